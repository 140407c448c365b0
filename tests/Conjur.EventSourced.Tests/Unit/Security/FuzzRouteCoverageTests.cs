using System.Text.RegularExpressions;
using Conjur.EventSourced.Tests.Fuzzing;

namespace Conjur.EventSourced.Tests.Unit.Security;

/// <summary>
/// Every route the agent and the control plane map in their source is a route kind of the fuzz run, so a route
/// added later cannot skip it; and the fuzz table names no route that is not mapped (a stale entry fuzzes nothing).
/// </summary>
public sealed partial class FuzzRouteCoverageTests
{
    [GeneratedRegex("""\.Map(?<verb>Get|Post|Put|Patch|Delete|Methods)\(\s*"(?<template>[^"]+)"(?:\s*,\s*\[(?<methods>[^\]]*)\])?""")]
    private static partial Regex MapCall();

    [GeneratedRegex("""MapPrometheusScrapingEndpoint\(\s*"(?<template>[^"]+)"\s*\)""")]
    private static partial Regex MetricsCall();

    private static readonly FuzzTargets Targets = new()
    {
        Account = "a", FuzzerLogin = "host/f", FuzzerApiKey = "k", FuzzerToken = "t", OpenVariable = "o", HiddenVariable = "h",
        ViewerToken = "v", OperatorToken = "op", NodeIds = ["node1"], FollowerId = "node1", FollowerSigningKey = [1], MaxSecretBytes = 10,
    };

    [Theory]
    [InlineData("NodeAgent", FuzzPart.Agent)]
    [InlineData("ControlPlane", FuzzPart.ControlPlane)]
    public void EveryMappedRoute_IsARouteKindOfTheFuzzRun(string project, FuzzPart part)
    {
        var mapped = MappedRoutes(project);
        var fuzzed = (part == FuzzPart.Agent ? FuzzRoutes.Agent(Targets) : FuzzRoutes.ControlPlane(Targets)).Select(r => $"{r.Method} {r.Template}").ToHashSet();

        mapped.Count.ShouldBeGreaterThan(5, "the scan of the source found the routes");
        mapped.Where(r => !fuzzed.Contains(r)).ShouldBeEmpty("mapped but not fuzzed");
        fuzzed.Where(r => !mapped.Contains(r) && !r.EndsWith(FuzzRoutes.UnknownPath, StringComparison.Ordinal)).ShouldBeEmpty("fuzzed but not mapped");
    }

    [Fact]
    public void EveryRouteKind_FromAnySeed_MakesOneHttp11Request()
    {
        foreach (var route in FuzzRoutes.Agent(Targets).Concat(FuzzRoutes.ControlPlane(Targets)))
        {
            for (var seed = 0; seed < 100; seed++)
            {
                var request = System.Text.Encoding.Latin1.GetString(FuzzRequest.Make(route, Targets, 1, seed).Bytes);
                request.ShouldContain(" HTTP/1.1\r\n", Case.Sensitive, $"{route.Kind}, seed {seed}");
                request.ShouldContain("Connection: close\r\n\r\n", Case.Sensitive, $"{route.Kind}, seed {seed}");
            }
        }
    }

    private static HashSet<string> MappedRoutes(string project)
    {
        var routes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(SourceRoot(), "src", project), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            var text = File.ReadAllText(file);
            foreach (Match m in MapCall().Matches(text))
            {
                var template = m.Groups["template"].Value;
                if (FuzzRoutes.TestOnly.Contains(template))
                {
                    continue;
                }
                // MapMethods over a variable (the policy routes loop over their methods): take the methods from the loop.
                var verbs = m.Groups["verb"].Value != "Methods" ? [m.Groups["verb"].Value.ToUpperInvariant()]
                    : m.Groups["methods"].Value.Contains('"', StringComparison.Ordinal) ? Regex.Matches(m.Groups["methods"].Value, "\"([A-Z]+)\"").Select(x => x.Groups[1].Value)
                    : Regex.Matches(text, """new\[\]\s*\{(?<list>[^}]*)\}""").SelectMany(x => Regex.Matches(x.Groups["list"].Value, "\"([A-Z]+)\"").Select(y => y.Groups[1].Value));
                foreach (var verb in verbs)
                {
                    routes.Add($"{verb} {template}");
                }
            }
            foreach (Match m in MetricsCall().Matches(text))
            {
                routes.Add($"GET {m.Groups["template"].Value}");
            }
        }
        return routes;
    }

    private static string SourceRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Conjur.EventSourced.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException($"no Conjur.EventSourced.sln above {AppContext.BaseDirectory}");
    }
}
