using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;
using Spectre.Console;

namespace Conjur.EventSourced.Cli.Certificates;

/// <summary><c>cluster certs list [--json]</c>: every certificate of the topology (and the CA) with its expiry and whether it can be used.</summary>
public static class CertsCommand
{
    public static Command Create()
    {
        var cmd = new Command("certs", "The cluster CA and every part's certificate (docs/tls.md)");
        var json = new Option<bool>("--json") { Description = "One JSON array" };
        var list = new Command("list", "Every certificate with its expiry; one that expires within tls.expiryWarningDays, or cannot be used, is flagged") { json };
        list.SetAction(async (parse, ct) => await Program.Guarded(() =>
        {
            var config = ClusterConfig.Load(Path.Combine(Program.StateDir(parse), "cluster.json"));
            if (!config.Tls.Enabled)
            {
                throw new ConfigurationException("this cluster runs with TLS off (tls.enabled is false in cluster.json): it has no certificates");
            }
            var now = DateTimeOffset.UtcNow;
            var rows = Rows(config, now);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(rows, ClusterConfig.Json));
                return Task.FromResult(0);
            }
            var table = new Table().AddColumns("part", "subject", "expires (UTC)", "days left", "state", "certificate");
            foreach (var r in rows)
            {
                var state = r.State == "ok" ? "[green]ok[/]" : r.State == "expiring" ? "[yellow]expiring[/]" : $"[red]{Markup.Escape(r.Problem ?? r.State)}[/]";
                table.AddRow(Markup.Escape(r.Part), Markup.Escape(r.Subject ?? "-"), r.NotAfter?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "-",
                    r.DaysLeft?.ToString("0", CultureInfo.InvariantCulture) ?? "-", state, Markup.Escape(r.CertFile));
            }
            AnsiConsole.Write(table);
            return Task.FromResult(rows.All(r => r.State is "ok" or "expiring") ? 0 : 1);
        }));
        cmd.Subcommands.Add(list);
        cmd.Subcommands.Add(Rotate());
        return cmd;
    }

    /// <summary>
    /// <c>cluster certs rotate NODE | --all</c>: new keys and certificates for a node's agent and Postgres (with
    /// <c>--all</c>, every node's and the control plane's), picked up by the running parts without a restart.
    /// </summary>
    private static Command Rotate()
    {
        var node = new Argument<string?>("node") { Description = "The node whose agent and Postgres certificates to replace", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "Every node's agent and Postgres certificates and the control plane's" };
        var rotate = new Command("rotate", "Issue new certificates from the cluster CA; the running parts take them at their next handshake (no failover, no restart)") { node, all };
        rotate.SetAction(async (parse, ct) => await Program.Guarded(async () =>
        {
            var config = ClusterConfig.Load(Path.Combine(Program.StateDir(parse), "cluster.json"));
            if (!config.Tls.Enabled)
            {
                throw new ConfigurationException("this cluster runs with TLS off (tls.enabled is false in cluster.json): it has no certificates");
            }
            var specs = CertificateRotation.Specs(config, parse.GetValue(node), parse.GetValue(all));
            await new CertificateIssuer(config, Console.WriteLine).RotateAsync(specs, ct);
            Console.WriteLine($"the parts present the new certificates at their next handshake (agents within a second, Postgres within {CertificateRotation.PickupSeconds} s); 'cluster certs list' shows the new expiry");
            return 0;
        }));
        return rotate;
    }

    /// <summary>The CA first, then each part as <see cref="ClusterCertificates.All"/> orders them.</summary>
    public static IReadOnlyList<CertificateRow> Rows(ClusterConfig config, DateTimeOffset now)
    {
        var ca = new CertificateSpec("ca", config.CaDir(), null, [], Server: false, Client: false);
        var rows = new List<CertificateRow> { Row(CertificateCheck.InspectCa(ca, now), config, now) };
        rows.AddRange(config.All().Select(spec => Row(CertificateCheck.Inspect(spec, now), config, now)));
        return rows;
    }

    private static CertificateRow Row(CertificateStatus s, ClusterConfig config, DateTimeOffset now) =>
        new(s.Spec.Name, s.Subject, s.NotAfter, s.DaysLeft(now) is { } d ? Math.Floor(d) : null,
            s.Problem is not null ? "unusable" : s.ExpiresWithin(now, config.Tls.ExpiryWarningDays) ? "expiring" : "ok", s.Problem, s.Spec.CertFile);
}

/// <param name="State"><c>ok</c>, <c>expiring</c> (within <c>tls.expiryWarningDays</c>) or <c>unusable</c> (see <paramref name="Problem"/>).</param>
public sealed record CertificateRow(string Part, string? Subject, DateTimeOffset? NotAfter, double? DaysLeft, string State, string? Problem, string CertFile);
