using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>
/// The secrets API's one cluster (four nodes, in the secrets engineer's port range) with an account
/// <c>acme</c>. The tests share it; the failover scenario runs last (<see cref="StepOrderer"/>) because it kills the master.
/// </summary>
public sealed class ClusterWithSecrets(IMessageSink sink) : ClusterWithAccount(sink, 19000);
