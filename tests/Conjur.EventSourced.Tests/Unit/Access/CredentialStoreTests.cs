using Conjur.EventSourced.ControlPlane.Access;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Tests.Unit.Access;

/// <summary>Loading the API's credentials from their files: what stops the control plane at start, and rotation.</summary>
public sealed class CredentialStoreTests : IDisposable
{
    private readonly ClusterConfig _config = DefaultTopology.Create(Path.Combine(Path.GetTempPath(), "conjur-cred-" + Guid.NewGuid().ToString("N")));
    private readonly ManualClock _clock = new();

    private sealed class ManualClock : TimeProvider
    {
        public long Ticks { get; set; } = 1;
        public override long GetTimestamp() => Ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public void Advance(TimeSpan by) => Ticks += by.Ticks;
    }

    private string OperatorFile => _config.OperatorTokenFile();
    private string ViewerFile => _config.ViewerTokenFile()!;

    public void Dispose() => Directory.Delete(_config.StateDir, recursive: true);

    [Fact]
    public void EnsureApiTokens_WritesEachConfiguredTokenPrivately()
    {
        _config.EnsureApiTokens();

        File.ReadAllText(OperatorFile).Trim().Length.ShouldBe(64);
        File.GetUnixFileMode(OperatorFile).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.GetUnixFileMode(ViewerFile).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.GetUnixFileMode(_config.OperatorSecretsDir()).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.ReadAllText(OperatorFile).ShouldNotBe(File.ReadAllText(ViewerFile));
    }

    [Fact]
    public void EnsureApiTokens_Twice_KeepsTheTokens()
    {
        _config.EnsureApiTokens();
        var first = File.ReadAllText(OperatorFile);

        _config.EnsureApiTokens();

        File.ReadAllText(OperatorFile).ShouldBe(first);
    }

    [Fact]
    public void MissingFile_StopsTheStartNamingIt()
    {
        _config.EnsureApiTokens();
        File.Delete(ViewerFile);

        Should.Throw<ConfigurationException>(() => CredentialStore.Load(_config)).Message.ShouldContain(ViewerFile);
    }

    [Fact]
    public void MalformedFile_StopsTheStartNamingIt()
    {
        _config.EnsureApiTokens();
        SecretFiles.Write(OperatorFile, "short");

        var e = Should.Throw<ConfigurationException>(() => CredentialStore.Load(_config));
        e.Message.ShouldContain(OperatorFile);
        e.Message.ShouldContain("malformed");
        e.Message.ShouldNotContain("short");
    }

    [Fact]
    public void FileReadableByOthers_StopsTheStartNamingIt()
    {
        _config.EnsureApiTokens();
        File.SetUnixFileMode(OperatorFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        Should.Throw<ConfigurationException>(() => CredentialStore.Load(_config)).Message.ShouldContain("chmod 600");
    }

    [Fact]
    public void TwoCredentialsWithOneToken_StopTheStart()
    {
        _config.EnsureApiTokens();
        SecretFiles.Write(ViewerFile, File.ReadAllText(OperatorFile));

        Should.Throw<ConfigurationException>(() => CredentialStore.Load(_config)).Message.ShouldContain("same token");
    }

    [Fact]
    public void Match_FindsTheCredentialByToken()
    {
        _config.EnsureApiTokens();
        var store = CredentialStore.Load(_config, _clock);

        store.Match(SecretFiles.Read(OperatorFile)).ShouldNotBeNull().Name.ShouldBe("operator");
        store.Match(SecretFiles.Read(ViewerFile)).ShouldNotBeNull().Role.ShouldBe(ApiRole.Viewer);
    }

    [Fact]
    public void Match_WrongOrTruncatedToken_Null()
    {
        _config.EnsureApiTokens();
        var store = CredentialStore.Load(_config, _clock);

        store.Match(new string('0', 64)).ShouldBeNull();
        store.Match(SecretFiles.Read(OperatorFile)[..40]).ShouldBeNull();
        store.Match("").ShouldBeNull();
    }

    [Fact]
    public void RotatedFile_OldTokenRefusedNewOneAccepted()
    {
        _config.EnsureApiTokens();
        var store = CredentialStore.Load(_config, _clock);
        var old = SecretFiles.Read(OperatorFile);
        var before = store.Match(old).ShouldNotBeNull();

        SecretFiles.Write(OperatorFile, new string('a', 64));
        File.SetLastWriteTimeUtc(OperatorFile, DateTime.UtcNow.AddMinutes(1));
        _clock.Advance(CredentialStore.ReloadCheck * 2);

        store.Match(old).ShouldBeNull();
        store.Match(new string('a', 64)).ShouldNotBeNull().Name.ShouldBe("operator");
        store.IsCurrent(before).ShouldBeFalse();
    }

    [Fact]
    public void FileBrokenAfterStart_DisablesOnlyThatCredential()
    {
        _config.EnsureApiTokens();
        var store = CredentialStore.Load(_config, _clock);
        var viewer = SecretFiles.Read(ViewerFile);

        File.Delete(OperatorFile);
        _clock.Advance(CredentialStore.ReloadCheck * 2);

        store.Credentials.Select(c => c.Name).ShouldBe(["viewer"]);
        store.Match(viewer).ShouldNotBeNull();
    }

    [Fact]
    public void SecondOperatorInConfiguration_IsKnownByItsName()
    {
        var config = _config with
        {
            ControlPlane = _config.ControlPlane with
            {
                Access = new ApiAccessConfig { Credentials = [.. ApiAccessConfig.DefaultCredentials, new("alice", ApiRole.Operator, "secrets/operator/alice.token")] },
            },
        };
        config.EnsureApiTokens();

        CredentialStore.Load(config, _clock).Match(SecretFiles.Read(Path.Combine(config.OperatorSecretsDir(), "alice.token")))
            .ShouldNotBeNull().Name.ShouldBe("alice");
    }
}
