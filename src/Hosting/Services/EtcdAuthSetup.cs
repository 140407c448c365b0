using System.Security.Cryptography;
using Authpb;
using Conjur.EventSourced.Hosting.Etcd;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.Hosting.Tls;
using Etcdserverpb;
using Grpc.Core;

namespace Conjur.EventSourced.Hosting.Services;

/// <summary>
/// Turns on etcd's authentication and makes the users and roles of <see cref="EtcdAccess"/>, idempotently:
/// a fresh etcd gets <c>root</c>, a role and a user per part, then <c>auth enable</c>; a running one is
/// brought up to date as root (a node added to the topology gets its user). Nothing is changed that is
/// already right, because every change to etcd's user store invalidates every token issued before it
/// (each agent then authenticates again).
/// </summary>
public sealed class EtcdAuthSetup(ClusterConfig config)
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Makes the token-signing key pair once (RSA 2048, PEM); etcd reads both files at start.</summary>
    public static void EnsureTokenKeys(ClusterConfig config)
    {
        if (File.Exists(config.EtcdTokenKeyFile()) && File.Exists(config.EtcdTokenPublicKeyFile()))
        {
            return;
        }
        using var rsa = RSA.Create(2048);
        SecretFiles.Write(config.EtcdTokenPublicKeyFile(), rsa.ExportSubjectPublicKeyInfoPem());
        SecretFiles.Write(config.EtcdTokenKeyFile(), rsa.ExportPkcs8PrivateKeyPem());
    }

    public async Task EnsureAsync(CancellationToken ct)
    {
        config.EnsureEtcdPasswords();
        var root = config.EtcdRootCredentials();
        bool enabled;
        using (var anonymous = EtcdSession.For(config, config.Operator(), null, CallTimeout))
        {
            enabled = await IsEnabledAsync(anonymous, root, ct);
            if (!enabled)
            {
                await ApplyAsync(anonymous, root, enabled: false, ct);
                await anonymous.CallAsync((inv, o) => new Auth.AuthClient(inv).AuthEnableAsync(new AuthEnableRequest(), o).ResponseAsync, ct);
                return;
            }
        }
        using var admin = EtcdSession.For(config, config.Operator(), root, CallTimeout);
        await ApplyAsync(admin, root, enabled: true, ct);
    }

    /// <summary>Authentication is on when root can authenticate; etcd says "not enabled" otherwise.</summary>
    private async Task<bool> IsEnabledAsync(EtcdSession anonymous, EtcdCredentials root, CancellationToken ct)
    {
        try
        {
            await anonymous.CallAsync((inv, o) => new Auth.AuthClient(inv)
                .AuthenticateAsync(new AuthenticateRequest { Name = root.User, Password = root.Password }, o).ResponseAsync, ct);
            return true;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
        {
            return false;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
        {
            throw new EtcdAuthenticationException(
                $"etcd has authentication on but refuses the root password in {config.EtcdRootPasswordFile()}: {e.Status.Detail}", e);
        }
    }

    private async Task ApplyAsync(EtcdSession etcd, EtcdCredentials root, bool enabled, CancellationToken ct)
    {
        if (!enabled)
        {
            await EnsureUserAsync(etcd, root.User, root.Password, "root", enabled, ct);
        }
        foreach (var role in EtcdAccess.Roles(config))
        {
            await EnsureRoleAsync(etcd, role, ct);
        }
        foreach (var (user, role) in EtcdAccess.Users(config))
        {
            var password = user == EtcdAccess.OperatorUser(config.ClusterId)
                ? config.EtcdOperatorCredentials().Password
                : config.EtcdNodeCredentials(config.Nodes.Single(n => EtcdAccess.NodeUser(config.ClusterId, n.Id) == user).Id).Password;
            await EnsureUserAsync(etcd, user, password, role, enabled, ct);
        }
    }

    private static async Task EnsureRoleAsync(EtcdSession etcd, EtcdRole role, CancellationToken ct)
    {
        var auth = (CallInvoker inv) => new Auth.AuthClient(inv);
        AuthRoleGetResponse? current = null;
        try
        {
            current = await etcd.CallAsync((inv, o) => auth(inv).RoleGetAsync(new AuthRoleGetRequest { Role = role.Name }, o).ResponseAsync, ct);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
        {
            await etcd.CallAsync((inv, o) => auth(inv).RoleAddAsync(new AuthRoleAddRequest { Name = role.Name }, o).ResponseAsync, ct);
        }
        var wanted = role.Grants.Select(Permission).ToList();
        var have = current?.Perm.ToList() ?? [];
        foreach (var p in wanted.Where(w => !have.Any(h => Same(h, w) && h.PermType == w.PermType)))
        {
            await etcd.CallAsync((inv, o) => auth(inv).RoleGrantPermissionAsync(new AuthRoleGrantPermissionRequest { Name = role.Name, Perm = p }, o).ResponseAsync, ct);
        }
        // Least privilege also when the topology shrank a part's rights (a standby made a follower).
        foreach (var p in have.Where(h => !wanted.Any(w => Same(h, w))))
        {
            await etcd.CallAsync((inv, o) => auth(inv).RoleRevokePermissionAsync(
                new AuthRoleRevokePermissionRequest { Role = role.Name, Key = p.Key, RangeEnd = p.RangeEnd }, o).ResponseAsync, ct);
        }
    }

    private async Task EnsureUserAsync(EtcdSession etcd, string user, string password, string role, bool enabled, CancellationToken ct)
    {
        var auth = (CallInvoker inv) => new Auth.AuthClient(inv);
        AuthUserGetResponse? current = null;
        try
        {
            current = await etcd.CallAsync((inv, o) => auth(inv).UserGetAsync(new AuthUserGetRequest { Name = user }, o).ResponseAsync, ct);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
        {
            await etcd.CallAsync((inv, o) => auth(inv).UserAddAsync(new AuthUserAddRequest { Name = user, Password = password }, o).ResponseAsync, ct);
        }
        // Without authentication on, etcd cannot say whether a password is right: set it (no token exists yet to invalidate).
        if (current is not null && (!enabled || !await PasswordWorksAsync(user, password, ct)))
        {
            // The part's password file was replaced (rotation, or a restored state folder): etcd takes the file's.
            await etcd.CallAsync((inv, o) => auth(inv).UserChangePasswordAsync(new AuthUserChangePasswordRequest { Name = user, Password = password }, o).ResponseAsync, ct);
        }
        if (current is null || !current.Roles.Contains(role))
        {
            await etcd.CallAsync((inv, o) => auth(inv).UserGrantRoleAsync(new AuthUserGrantRoleRequest { User = user, Role = role }, o).ResponseAsync, ct);
        }
    }

    private async Task<bool> PasswordWorksAsync(string user, string password, CancellationToken ct)
    {
        using var probe = EtcdSession.For(config, config.Operator(), null, CallTimeout);
        try
        {
            await probe.CallAsync((inv, o) => new Auth.AuthClient(inv).AuthenticateAsync(new AuthenticateRequest { Name = user, Password = password }, o).ResponseAsync, ct);
            return true;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
        {
            return false;
        }
    }

    private static Permission Permission(EtcdGrant grant) => new()
    {
        Key = EtcdSession.Bytes(grant.Key),
        RangeEnd = grant.Prefix ? EtcdSession.PrefixEnd(grant.Key) : Google.Protobuf.ByteString.Empty,
        PermType = grant.Write ? Authpb.Permission.Types.Type.Readwrite : Authpb.Permission.Types.Type.Read,
    };

    private static bool Same(Permission a, Permission b) => a.Key == b.Key && a.RangeEnd == b.RangeEnd;
}
