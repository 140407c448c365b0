using Conjur.EventSourced.Contracts.Failover;
using Conjur.EventSourced.Contracts.Nodes;

namespace Conjur.EventSourced.Hosting.Messaging;

/// <summary>
/// Who may put each message on the bus. An agent reports facts about its own node; every other message
/// (commands, operator requests, the saga's events and its timeouts) is the control plane's. The broker's
/// permissions (<see cref="BrokerPermissions"/>) and the consumers' sender check (<see cref="SenderCheck"/>)
/// are both read from here, so they cannot disagree.
/// </summary>
public static class BusSenders
{
    /// <summary>What an agent publishes, each with the field that names the node it speaks for.</summary>
    public static readonly IReadOnlyDictionary<Type, Func<object, string?>> AgentReports = new Dictionary<Type, Func<object, string?>>
    {
        [typeof(NodeHeartbeat)] = m => ((NodeHeartbeat)m).NodeId,
        [typeof(ReplicationLagReported)] = m => ((ReplicationLagReported)m).NodeId,
        [typeof(LeaderLeaseLost)] = m => ((LeaderLeaseLost)m).ObservedBy,
        [typeof(FailoverBlocked)] = m => ((FailoverBlocked)m).ObservedBy,
        [typeof(PromotionLockAcquired)] = m => ((PromotionLockAcquired)m).Candidate,
        [typeof(MasterPromoted)] = m => ((MasterPromoted)m).NodeId,
        [typeof(PromotionFailed)] = m => ((PromotionFailed)m).NodeId,
        [typeof(MasterSteppedDown)] = m => ((MasterSteppedDown)m).NodeId,
        [typeof(StandbyRebased)] = m => ((StandbyRebased)m).NodeId,
        [typeof(StandbyRebaseFailed)] = m => ((StandbyRebaseFailed)m).NodeId,
        [typeof(NodeReenrolled)] = m => ((NodeReenrolled)m).NodeId,
    };

    /// <summary>Commands the control plane sends to one agent's queue (never published: no exchange of their type carries them).</summary>
    public static readonly IReadOnlyList<Type> Commands = [typeof(PromoteStandby), typeof(RebaseStandby), typeof(StepDown), typeof(ReenrollNode)];

    /// <summary>Contracts the control plane publishes: the operator's requests to its saga and the saga's integration events.</summary>
    public static readonly IReadOnlyList<Type> ControlPlaneEvents =
        [typeof(SwitchoverRequested), typeof(ForcedPromotionRequested), typeof(FailoverStarted), typeof(FailoverCompleted), typeof(FailoverFailed)];

    /// <summary>The control plane's own messages outside the contracts (the saga's timeouts) live under this namespace.</summary>
    public const string ControlPlaneNamespace = "Conjur.EventSourced.ControlPlane";

    /// <summary>The failover events for subscribers (docs/events.md): what the read-only subscriber may follow.</summary>
    public static readonly IReadOnlyList<Type> IntegrationEvents =
        [typeof(FailoverStarted), typeof(MasterPromoted), typeof(StandbyRebased), typeof(FailoverCompleted), typeof(FailoverBlocked), typeof(FailoverFailed)];

    /// <summary>The sender a consumer of <paramref name="messageType"/> must see, and the node the message names (agent reports only).</summary>
    public static (MessageKind Kind, string? NodeId) Classify(Type messageType, object message) =>
        AgentReports.TryGetValue(messageType, out var nodeOf) ? (MessageKind.AgentReport, nodeOf(message)) : (MessageKind.ControlPlaneMessage, null);

    /// <summary>MassTransit's exchange for a message type: its full name, namespace and type separated by a colon.</summary>
    public static string ExchangeOf(Type messageType) => $"{messageType.Namespace}:{messageType.Name}";
}
