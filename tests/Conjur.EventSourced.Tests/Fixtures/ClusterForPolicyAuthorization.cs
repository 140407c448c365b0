using Conjur.EventSourced.Hosting.Topology;
using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>
/// A master and a follower (ports 19400-19511) with an account <c>acme</c>, for the attacks on policy loading: each
/// scenario sets up its own sub-policy and hosts, so the scenarios share the cluster without sharing records.
/// </summary>
public sealed class ClusterForPolicyAuthorization(IMessageSink sink)
    : ClusterWithAccount(sink, 19400, [("node1", NodeRole.Master, false), ("node2", NodeRole.Follower, false)]);
