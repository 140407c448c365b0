using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Processes;

namespace Conjur.EventSourced.Tests.Unit.Tls;

/// <summary>No file git tracks holds a private key, and the state folder (where <c>up</c> puts every key) is ignored.</summary>
public sealed class NoPrivateKeyInGitTests
{
    [Fact]
    public async Task NoTrackedFile_HoldsAPrivateKey_AndTheStateFolderIsIgnored()
    {
        var root = Binaries.RepositoryRoot();
        var tracked = await CommandRunner.RunAsync("git", ["-C", root, "ls-files", "-z"], TimeSpan.FromSeconds(30));
        tracked.Succeeded.ShouldBeTrue(tracked.StdErr);
        var files = tracked.StdOut.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        files.Length.ShouldBeGreaterThan(100);

        // A PEM private key's header (RSA, EC or PKCS#8); this pattern's own text does not match it.
        var header = new System.Text.RegularExpressions.Regex("-----BEGIN ([A-Z]+ )?PRIVATE" + " KEY-----");
        var withKeys = files.Where(f => File.Exists(Path.Combine(root, f)) && new FileInfo(Path.Combine(root, f)).Length < 1024 * 1024)
            .Where(f => header.IsMatch(File.ReadAllText(Path.Combine(root, f))))
            .ToList();
        withKeys.ShouldBeEmpty();
        files.ShouldNotContain(f => f.EndsWith(".key", StringComparison.Ordinal) || f.EndsWith(".pem", StringComparison.Ordinal));
        (await CommandRunner.RunAsync("git", ["-C", root, "check-ignore", "-q", ".cluster/secrets/tls/ca.key"], TimeSpan.FromSeconds(10))).Succeeded.ShouldBeTrue();
    }
}
