namespace Conjur.EventSourced.Hosting.Telemetry;

/// <summary>Span attribute names Conjur sets, and the span names it starts (they all begin with the telemetry prefix).</summary>
public static class SpanTags
{
    public const string FailoverId = "conjur.failover.id";
    public const string Node = "conjur.node";
    public const string Step = "conjur.failover.step";
    public const string MessageType = "conjur.message.type";

    /// <summary>The root of a failover's trace, started by the agent that wins <c>promotion-lock</c>.</summary>
    public const string FailoverSpan = ConjurTelemetry.Prefix + "Failover";

    /// <summary>A lock winner promoting itself (no command from the saga in time), in the failover's trace.</summary>
    public const string SelfPromotionSpan = ConjurTelemetry.Prefix + "SelfPromotion";
}
