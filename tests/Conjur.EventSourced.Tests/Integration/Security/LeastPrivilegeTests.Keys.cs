using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Tls;

namespace Conjur.EventSourced.Tests.Integration.Security;

/// <summary>Every private key in the running cluster's state folder is its owner's alone, and owned by the user that uses it.</summary>
public sealed partial class LeastPrivilegeTests
{
    [Fact]
    public async Task EveryPrivateKeyInTheStateFolder_IsReadableByItsOwnerAlone_TheUserThatUsesIt()
    {
        var keys = Directory.EnumerateFiles(cluster.Config.StateDir, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/pgdata/", StringComparison.Ordinal) && !f.Contains("/mnesia/", StringComparison.Ordinal))
            .Where(IsPrivateKey)
            .ToList();
        var expectedOwners = cluster.Config.All().ToDictionary(s => s.KeyFile, s => s.Owner ?? Environment.UserName);
        // haproxy reads its certificate and key from one file.
        expectedOwners[cluster.Config.LoadBalancerPemFile()] = cluster.Config.LoadBalancer().Owner!;
        keys.ShouldContain(cluster.Config.LoadBalancerPemFile());

        keys.ShouldContain(cluster.Config.CaKeyFile());
        foreach (var spec in cluster.Config.All())
        {
            keys.ShouldContain(spec.KeyFile);
        }
        foreach (var key in keys)
        {
            var others = File.GetUnixFileMode(key) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
            others.ShouldBe((UnixFileMode)0, key);
            var owner = (await CommandRunner.RunAsync("stat", ["-c", "%U", key], TimeSpan.FromSeconds(5))).StdOut.Trim();
            owner.ShouldBe(expectedOwners.GetValueOrDefault(key, Environment.UserName), key);
        }
        output.WriteLine($"{keys.Count} private keys, each 0600 and its user's");
    }

    private static bool IsPrivateKey(string path)
    {
        if (new FileInfo(path).Length > 64 * 1024)
        {
            return false;
        }
        try
        {
            return File.ReadAllText(path).Contains("PRIVATE KEY-----", StringComparison.Ordinal);
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
        catch (IOException)
        {
            // A socket (Postgres's, in a node's socket folder) is no file to read at all.
            return false;
        }
    }
}
