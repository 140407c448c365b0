namespace Conjur.EventSourced.Hosting.Etcd;

/// <summary>
/// An etcd user and its password, read from the part's own file in the state folder. The password is
/// only ever sent to etcd's <c>Authenticate</c>; every other call carries the short-lived token it returns.
/// </summary>
public sealed record EtcdCredentials(string User, string Password)
{
    /// <summary>The user name alone: a credential must never reach a log line or an exception message.</summary>
    public override string ToString() => User;
}
