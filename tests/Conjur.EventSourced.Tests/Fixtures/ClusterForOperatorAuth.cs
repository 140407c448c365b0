using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>A four-node cluster whose operator API is attacked: credentials, Host header, content types.</summary>
public sealed class ClusterForOperatorAuth(IMessageSink sink) : RunningCluster(sink, 20000);
