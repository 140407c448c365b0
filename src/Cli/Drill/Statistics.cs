namespace Conjur.EventSourced.Cli.Drill;

/// <summary>Median and maximum of one figure over the runs that measured it.</summary>
public sealed record FigureSummary(string Figure, int Runs, double? Median, double? Max)
{
    /// <summary>Runs where the figure is missing (null: the stage did not happen within its bound) are left out and show in <see cref="Runs"/>.</summary>
    public static FigureSummary Of(string figure, IEnumerable<double?> values)
    {
        var sorted = values.Where(v => v is not null && !double.IsNaN(v.Value)).Select(v => v!.Value).Order().ToList();
        return new FigureSummary(figure, sorted.Count, MedianOf(sorted) is { } m ? Math.Round(m, 1) : null, sorted.Count == 0 ? null : sorted[^1]);
    }

    /// <summary>The middle value; the mean of the two middle values for an even count; null for none.</summary>
    public static double? MedianOf(IReadOnlyList<double> sorted)
    {
        if (sorted.Count == 0)
        {
            return null;
        }
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
