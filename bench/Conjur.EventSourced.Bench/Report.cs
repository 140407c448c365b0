using System.Globalization;

namespace Conjur.EventSourced.Bench;

public static class Report
{
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static void Tables(IReadOnlyList<(string Table, long Bytes, long Rows)> sizes)
    {
        foreach (var (table, bytes, rows) in sizes)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {table,-40} {Mb(bytes),10} MB  ~{rows,12:N0} rows"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"total",-40} {Mb(sizes.Sum(s => s.Bytes)),10} MB"));
    }

    public static string Mb(long bytes) => (bytes / 1024d / 1024d).ToString("0.0", CultureInfo.InvariantCulture);
}
