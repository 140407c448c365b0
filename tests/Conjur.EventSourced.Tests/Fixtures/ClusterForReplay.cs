using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>A four-node cluster for the replay acceptance test (a switchover, then the past read back), on base port 22200.</summary>
public sealed class ClusterForReplay(IMessageSink sink) : RunningCluster(sink, 22200);
