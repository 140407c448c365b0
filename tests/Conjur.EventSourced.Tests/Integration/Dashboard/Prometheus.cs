using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;
using System.Globalization;

namespace Conjur.EventSourced.Tests.Integration.Dashboard;

/// <summary>One sample of Prometheus' text format: name, labels, value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>A small parser of the text exposition format, enough to assert on series and values.</summary>
public static class Prometheus
{
    /// <param name="token">A bearer token: the control plane's /metrics needs the viewer's (an agent's none).</param>
    public static async Task<IReadOnlyList<PrometheusSample>> ScrapeAsync(ClusterConfig config, string url, string? token = null)
    {
        using var http = ClusterHttp.Client(config, TimeSpan.FromSeconds(10));
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        using var response = await http.GetAsync(url);
        response.IsSuccessStatusCode.ShouldBeTrue($"GET {url} answered {(int)response.StatusCode}");
        response.Content.Headers.ContentType?.MediaType.ShouldBe("text/plain");
        return Parse(await response.Content.ReadAsStringAsync());
    }

    public static IReadOnlyList<PrometheusSample> Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var brace = line.IndexOf('{');
            var labels = new Dictionary<string, string>();
            string name, rest;
            if (brace >= 0)
            {
                var close = line.LastIndexOf('}');
                name = line[..brace];
                foreach (var pair in SplitLabels(line[(brace + 1)..close]))
                {
                    var eq = pair.IndexOf('=');
                    labels[pair[..eq]] = pair[(eq + 1)..].Trim('"');
                }
                rest = line[(close + 1)..].Trim();
            }
            else
            {
                var space = line.IndexOf(' ');
                name = line[..space];
                rest = line[(space + 1)..].Trim();
            }
            var value = rest.Split(' ')[0];
            samples.Add(new PrometheusSample(name, labels, value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(value, CultureInfo.InvariantCulture),
            }));
        }
        return samples;
    }

    private static IEnumerable<string> SplitLabels(string s)
    {
        var start = 0;
        var quoted = false;
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '"' && (i == 0 || s[i - 1] != '\\'))
            {
                quoted = !quoted;
            }
            else if (s[i] == ',' && !quoted)
            {
                yield return s[start..i];
                start = i + 1;
            }
        }
        if (start < s.Length)
        {
            yield return s[start..];
        }
    }

    public static double Sum(this IEnumerable<PrometheusSample> samples, string name, params (string Label, string Value)[] where) =>
        samples.Where(s => s.Name == name && where.All(w => s.Labels.TryGetValue(w.Label, out var v) && v == w.Value)).Sum(s => s.Value);
}
