using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Tests.Unit.Access;

/// <summary><c>controlPlane.access</c> in cluster.json: what is refused at load, naming the field.</summary>
public sealed class ApiAccessConfigTests
{
    private static ClusterConfig With(ApiAccessConfig access)
    {
        var config = DefaultTopology.Create("/tmp/conjur-access-config");
        return config with { ControlPlane = config.ControlPlane with { Access = access } };
    }

    private static string Problem(ApiAccessConfig access) => Should.Throw<ConfigurationException>(() => With(access).Validate()).Message;

    [Fact]
    public void Default_OperatorAndViewerInSecretsOperator_ReadsClosed()
    {
        var access = new ApiAccessConfig();

        access.Credentials.Select(c => (c.Name, c.Role)).ShouldBe([("operator", ApiRole.Operator), ("viewer", ApiRole.Viewer)]);
        access.Credentials.ShouldAllBe(c => c.TokenFile.StartsWith("secrets/operator/", StringComparison.Ordinal));
        access.OpenReads.ShouldBeFalse();
        With(access).Validate();
    }

    [Fact]
    public void NoOperatorCredential_Refused() =>
        Problem(new ApiAccessConfig { Credentials = [new("viewer", ApiRole.Viewer, "v.token")] }).ShouldContain("controlPlane.access.credentials");

    [Fact]
    public void DuplicateName_Refused() =>
        Problem(new ApiAccessConfig { Credentials = [new("ops", ApiRole.Operator, "a.token"), new("ops", ApiRole.Viewer, "b.token")] }).ShouldContain("'ops' appears 2 times");

    [Fact]
    public void SharedTokenFile_Refused() =>
        Problem(new ApiAccessConfig { Credentials = [new("a", ApiRole.Operator, "t.token"), new("b", ApiRole.Viewer, "t.token")] }).ShouldContain("shared");

    [Fact]
    public void BadName_Refused() =>
        Problem(new ApiAccessConfig { Credentials = [new("Bad Name", ApiRole.Operator, "t.token")] }).ShouldContain("credentials[0].name");

    [Fact]
    public void BadAllowedHost_Refused() =>
        Problem(new ApiAccessConfig { AllowedHosts = ["evil.example/path"] }).ShouldContain("controlPlane.access.allowedHosts[0]");

    [Fact]
    public void SessionMinutesOutOfRange_Refused() =>
        Problem(new ApiAccessConfig { SessionMinutes = 0 }).ShouldContain("sessionMinutes");

    [Fact]
    public void Json_RolesAsWords_RoundTrip()
    {
        var dir = Path.Combine(Path.GetTempPath(), "conjur-access-" + Guid.NewGuid().ToString("N"));
        var config = DefaultTopology.Create(dir);
        try
        {
            config.Save(config.ConfigPath);
            File.ReadAllText(config.ConfigPath).ShouldContain("\"role\": \"operator\"");
            ClusterConfig.Load(config.ConfigPath).ControlPlane.Access.Credentials.ShouldBe(config.ControlPlane.Access.Credentials);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
