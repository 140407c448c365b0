using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>The four-node cluster the drill's plumbing tests fault and watch heal (base port 32000).</summary>
public sealed class ClusterForDrills(IMessageSink sink) : RunningCluster(sink, 32000);
