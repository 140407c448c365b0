using System.Diagnostics;
using Conjur.EventSourced.Hosting.Telemetry;

namespace Conjur.EventSourced.NodeAgent.Telemetry;

/// <summary>The agent's spans: a failover's trace starts here, in the agent that wins <c>promotion-lock</c>.</summary>
public static class AgentTracing
{
    public static readonly ActivitySource Source = new(ConjurTelemetry.Prefix + "NodeAgent");

    /// <summary>The root of a failover's trace; everything the saga and the agents do for it descends from it across the bus.</summary>
    public static Activity? StartFailover(Guid failoverId, string node, string kind) =>
        Source.StartActivity(SpanTags.FailoverSpan, ActivityKind.Internal, parentContext: default,
            tags: [new(SpanTags.FailoverId, failoverId.ToString()), new(SpanTags.Node, node), new("conjur.failover.kind", kind)]);
}
