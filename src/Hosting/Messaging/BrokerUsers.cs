namespace Conjur.EventSourced.Hosting.Messaging;

/// <summary>
/// The broker's users: one per agent (<c>agent-{nodeId}</c>), one for the control plane, one read-only
/// subscriber. A cluster's broker is its own (the launcher starts one per state folder), so the names need
/// no cluster id. RabbitMQ stamps nothing by itself; each part sets its user in the AMQP <c>user-id</c>
/// property, which the broker checks against the connection's login (<see cref="BusLogin"/>).
/// </summary>
public static class BrokerUsers
{
    public const string ControlPlane = "controlplane";
    public const string Subscriber = "subscriber";
    public const string AgentPrefix = "agent-";

    public static string Agent(string nodeId) => AgentPrefix + nodeId;

    /// <summary>The node an agent's user speaks for, or null when the user is not an agent's.</summary>
    public static string? NodeOf(string user) =>
        user.StartsWith(AgentPrefix, StringComparison.Ordinal) && user.Length > AgentPrefix.Length ? user[AgentPrefix.Length..] : null;
}
