namespace Conjur.EventSourced.ControlPlane.Heartbeats;

/// <summary>
/// <c>ControlPlane:Ingest</c> in configuration. Defaults measured on a 2-core machine
/// (docs/event-store.md#ingest): more writers than cores still helps, as each waits on Postgres.
/// </summary>
public sealed record IngestOptions
{
    public const string Section = "ControlPlane:Ingest";

    /// <summary>Parallel writers, each owning a disjoint set of node streams.</summary>
    public int Writers { get; init; } = 4;
}
