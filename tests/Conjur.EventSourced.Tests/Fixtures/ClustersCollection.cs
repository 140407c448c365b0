namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>
/// Whole-cluster tests run one class at a time within a collection. There are two collections, so at
/// most two clusters run at once on a 2-core machine: <c>clusters</c> holds the failover scenarios, the
/// drill and replay around a switchover (their steps have deadlines), <c>clusters-b</c> the tests whose
/// assertions are about content (walking skeleton, secrets API, audit shipping, dashboard).
/// </summary>
[CollectionDefinition("clusters")]
public sealed class ClustersCollection;

/// <summary>The second lane of whole-cluster tests (see <see cref="ClustersCollection"/>).</summary>
[CollectionDefinition("clusters-b")]
public sealed class ClustersBCollection;
