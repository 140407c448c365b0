using System.Diagnostics;
using Conjur.EventSourced.Cli.Secrets;
using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Tests.Fixtures;

namespace Conjur.EventSourced.Tests.Integration.Secrets;

/// <summary>
/// CyberArk's own Python SDK, which nobody here wrote, over HTTPS with <c>SslVerificationMode.CA_BUNDLE</c> and the
/// cluster CA: through the load balancer and on the follower (its write forwarded to the master). It trusts nothing else:
/// with another CA's bundle it refuses the server.
/// </summary>
public sealed partial class SecretsApiTests
{
    [PythonSdkFact, Step(Order = 5)]
    public async Task PythonSdk_WithTheClusterCaBundle_WorksThroughTheLoadBalancerAndTheFollower()
    {
        using var lb = new ConjurClient(cluster.Config, Lb);
        var admin = await lb.AuthenticateAsync(Account, "admin", cluster.AdminApiKey, CancellationToken.None);
        await lb.LoadPolicyAsync(admin, Account, "root", "- !variable sdk/password\n", CancellationToken.None);

        foreach (var (url, value) in new[] { (Lb, "through-the-lb"), (cluster.Config.ApiUrl(Follower), "through-the-follower") })
        {
            var (exit, stdout, stderr) = await RunSdkAsync(url, cluster.Config.PublicCaFile(), value);
            exit.ShouldBe(0, stderr);
            stdout.ShouldContain("whoami: admin");
            stdout.ShouldContain($"read back: {value}");
        }

        using var foreign = new ForeignCertificate("someone", cluster.Config.PublicCaFile());
        var (refusedExit, _, refused) = await RunSdkAsync(Lb, foreign.Spec.CertFile, "never-stored");
        refusedExit.ShouldNotBe(0);
        refused.ShouldContain("CERTIFICATE_VERIFY_FAILED");
    }

    private async Task<(int Exit, string Stdout, string Stderr)> RunSdkAsync(string url, string caFile, string value)
    {
        var script = Path.Combine(Binaries.RepositoryRoot(), "tests", "api", "conjur-sdk.py");
        var start = new ProcessStartInfo(PythonSdkFactAttribute.Python, [script, url, Account, cluster.AdminApiKey, caFile, "sdk/password", value])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["PYTHONPATH"] = PythonSdkFactAttribute.SdkFolder;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(cts.Token);
        output.WriteLine($"{url}: {await stdout}{await stderr}");
        return (process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>
/// Runs when <c>CONJUR_PYTHON_SDK</c> names a checkout of CyberArk's conjur-api-python and Debian's Python has its
/// packages (python3-aiohttp and the rest); skipped, saying so, otherwise. The SDK is not part of this repository.
/// </summary>
public sealed class PythonSdkFactAttribute : FactAttribute
{
    public const string Python = "/usr/bin/python3";

    public static string? SdkFolder => Environment.GetEnvironmentVariable("CONJUR_PYTHON_SDK");

    public PythonSdkFactAttribute()
    {
        if (SdkFolder is not { Length: > 0 } folder || !File.Exists(Path.Combine(folder, "conjur_api", "client.py")))
        {
            Skip = "set CONJUR_PYTHON_SDK to a checkout of cyberark/conjur-api-python to run CyberArk's Python SDK against the cluster";
        }
        else if (!File.Exists(Python) || !Directory.Exists("/usr/lib/python3/dist-packages/aiohttp"))
        {
            Skip = $"the Python SDK needs {Python} with Debian's python3-aiohttp, python3-keyring, python3-cryptography, python3-openssl, python3-yaml, python3-urllib3";
        }
    }
}
