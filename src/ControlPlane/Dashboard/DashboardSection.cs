namespace Conjur.EventSourced.ControlPlane.Dashboard;

/// <summary>One named part of the dashboard's picture, as sent on <c>/api/stream</c>: the SSE event name and its JSON.</summary>
public sealed record DashboardSection(string Name, string Json);
