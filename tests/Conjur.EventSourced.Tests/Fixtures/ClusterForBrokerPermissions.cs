using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>A four-node cluster whose broker users the attacks of BrokerPermissionsTests try, on base port 20400.</summary>
public sealed class ClusterForBrokerPermissions(IMessageSink sink) : RunningCluster(sink, 20400);
