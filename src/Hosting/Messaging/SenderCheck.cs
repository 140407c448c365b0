namespace Conjur.EventSourced.Hosting.Messaging;

/// <summary>Whose message it must be: an agent's report about its own node, or the control plane's.</summary>
public enum MessageKind
{
    AgentReport,
    ControlPlaneMessage,
}

/// <summary>A consumer's judgement of a message's sender; every value but <see cref="Accepted"/> drops the message.</summary>
public enum SenderVerdict
{
    Accepted,
    /// <summary>No AMQP user-id: the broker vouches for nobody.</summary>
    NoUserId,
    /// <summary>A command, operator request or saga event from anyone but the control plane.</summary>
    NotControlPlane,
    /// <summary>A node report from a user that is not an agent's.</summary>
    NotAnAgent,
    /// <summary>A node report about another node than the sending agent's own.</summary>
    OtherNode,
    /// <summary>A node report that names no node.</summary>
    NoNodeId,
}

/// <summary>
/// The sender check. RabbitMQ refuses a message whose user-id is not the connection's login, so the
/// user-id is who really sent it; this decides whether that sender may say what the message says.
/// </summary>
public static class SenderCheck
{
    public static SenderVerdict Judge(string? senderUser, MessageKind kind, string? nodeId)
    {
        if (string.IsNullOrEmpty(senderUser))
        {
            return SenderVerdict.NoUserId;
        }
        if (kind == MessageKind.ControlPlaneMessage)
        {
            return senderUser == BrokerUsers.ControlPlane ? SenderVerdict.Accepted : SenderVerdict.NotControlPlane;
        }
        if (BrokerUsers.NodeOf(senderUser) is not { } senderNode)
        {
            return SenderVerdict.NotAnAgent;
        }
        if (string.IsNullOrEmpty(nodeId))
        {
            return SenderVerdict.NoNodeId;
        }
        return senderNode == nodeId ? SenderVerdict.Accepted : SenderVerdict.OtherNode;
    }

    /// <summary>The verdict as a metric label: <c>no-user-id</c>, <c>not-control-plane</c>, ...</summary>
    public static string Label(this SenderVerdict verdict) => verdict switch
    {
        SenderVerdict.Accepted => "accepted",
        SenderVerdict.NoUserId => "no-user-id",
        SenderVerdict.NotControlPlane => "not-control-plane",
        SenderVerdict.NotAnAgent => "not-an-agent",
        SenderVerdict.OtherNode => "other-node",
        SenderVerdict.NoNodeId => "no-node-id",
        _ => "unknown",
    };
}
