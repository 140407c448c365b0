namespace Conjur.EventSourced.ControlPlane.Projections;

/// <summary>The answer of <c>POST /api/projections/rebuild</c>.</summary>
/// <param name="Events">Events in the store when the rebuild started.</param>
public sealed record RebuildReport(long Events, IReadOnlyList<RebuiltProjection> Projections, double TotalSeconds)
{
    public double EventsPerSecond => TotalSeconds > 0 ? Events / TotalSeconds : 0;
}

public sealed record RebuiltProjection(string Name, string Lifecycle, double Seconds);
