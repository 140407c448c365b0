namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>
/// Whole-cluster tests run one class at a time within a collection. There are two collections, so at
/// most two clusters run at once on a 2-core machine. They are balanced by running time (a cluster's start
/// is most of it): <c>clusters</c> holds most failover scenarios, the drill, the HTTP fuzz, the secrets API and least
/// privilege; <c>clusters-b</c> the walking skeleton, operator API, policy authorization, audit shipping and trust, broker
/// permissions and outage, dashboard, replay and the one-standby-stopped scenario.
/// </summary>
[CollectionDefinition("clusters")]
public sealed class ClustersCollection;

/// <summary>The second lane of whole-cluster tests (see <see cref="ClustersCollection"/>).</summary>
[CollectionDefinition("clusters-b")]
public sealed class ClustersBCollection;
