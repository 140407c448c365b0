using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.NodeAgent.Ha;
using Conjur.EventSourced.NodeAgent.Postgres;
using Conjur.EventSourced.NodeAgent.Secrets.Api;
using Microsoft.AspNetCore.Http;

namespace Conjur.EventSourced.Tests.Unit.Secrets;

public sealed class RoleGateTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private static NodeSnapshot Node(string role, bool running = true, bool inRecovery = true, string? receiver = "streaming",
        bool holdsLeader = false, bool fenced = false) => new()
    {
        NodeId = "n", Role = role, HoldsLeader = holdsLeader, Fenced = fenced, LeaseValidUntil = Now.AddSeconds(5),
        Postgres = new PostgresState { Running = running, InRecovery = inRecovery, ReceiverStatus = receiver, ObservedAt = Now },
    };

    [Fact]
    public void FollowerCutFromTheMaster_StillServesReads() => RoleGate.Serves(Node("follower", receiver: null), Now).ShouldBeTrue();

    [Fact]
    public void FollowerWithoutPostgres_Refuses() => RoleGate.Serves(Node("follower", running: false), Now).ShouldBeFalse();

    [Fact]
    public void Standby_Refuses() => RoleGate.Serves(Node("standby"), Now).ShouldBeFalse();

    [Fact]
    public void MasterHoldingTheLease_Serves() => RoleGate.Serves(Node("master", inRecovery: false, holdsLeader: true), Now).ShouldBeTrue();

    [Fact]
    public void FencedMaster_Refuses() => RoleGate.Serves(Node("master", inRecovery: false, holdsLeader: true, fenced: true), Now).ShouldBeFalse();

    [Fact]
    public void MasterWhoseLeaseMayHaveRunOut_Refuses() =>
        RoleGate.Serves(Node("master", inRecovery: false, holdsLeader: true), Now.AddSeconds(6)).ShouldBeFalse();

    [Theory]
    [InlineData("POST", "/secrets/acme/variable/db", true)]
    [InlineData("GET", "/secrets/acme/variable/db", false)]
    [InlineData("GET", "/secrets", false)]
    [InlineData("PUT", "/policies/acme/policy/root", true)]
    [InlineData("PATCH", "/policies/acme/policy/root", true)]
    [InlineData("POST", "/internal/accounts/acme", true)]
    [InlineData("POST", "/authn/acme/host%2Fapp/authenticate", false)]
    public void Writes_AreTheRequestsThatChangeThePolicyDatabase(string method, string path, bool write)
    {
        var http = new DefaultHttpContext();
        http.Request.Method = method;
        http.Request.Path = path;

        RoleGate.IsWrite(http.Request).ShouldBe(write);
    }
}

public sealed class DataKeyTests : IDisposable
{
    private readonly ClusterConfig _config = DefaultTopology.Create(Path.Combine(Path.GetTempPath(), "secrets-datakey-" + Guid.NewGuid().ToString("N")));

    public void Dispose()
    {
        if (Directory.Exists(_config.StateDir))
        {
            Directory.Delete(_config.StateDir, recursive: true);
        }
    }

    [Fact]
    public void MissingDataKey_ClearConfigurationError() =>
        Should.Throw<ConfigurationException>(() => _config.DataKey()).Message.ShouldContain("data key file");

    [Fact]
    public void MalformedDataKey_ClearConfigurationError()
    {
        SecretFiles.Write(_config.DataKeyFile(), Convert.ToBase64String(new byte[16]));

        Should.Throw<ConfigurationException>(() => _config.DataKey()).Message.ShouldContain("malformed");
    }

    [Fact]
    public void DataKey_MadeOnceWithOwnerOnlyMode_NeverReplaced()
    {
        _config.EnsureDataKey();
        var key = _config.DataKey();
        _config.EnsureDataKey();

        key.Length.ShouldBe(32);
        _config.DataKey().ShouldBe(key);
        File.GetUnixFileMode(_config.DataKeyFile()).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
