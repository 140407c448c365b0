namespace Conjur.EventSourced.ControlPlane.Retention;

/// <summary><c>ControlPlane:Retention</c> in configuration (docs/event-store.md#retention).</summary>
public sealed record RetentionOptions
{
    public const string Section = "ControlPlane:Retention";

    /// <summary>How long raw heartbeats and lag reports stay (by the store's timestamp).</summary>
    public TimeSpan HeartbeatWindow { get; init; } = TimeSpan.FromHours(24);

    /// <summary>How often the background job looks for days past the window.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(10);

    public bool Enabled { get; init; } = true;
}
