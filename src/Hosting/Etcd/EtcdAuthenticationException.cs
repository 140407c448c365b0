namespace Conjur.EventSourced.Hosting.Etcd;

/// <summary>etcd refused this part's credentials: a configuration fault (wrong or missing password file), not an outage.</summary>
public sealed class EtcdAuthenticationException : Exception
{
    public EtcdAuthenticationException(string message, Exception? inner) : base(message, inner) { }
    public EtcdAuthenticationException(string message) : base(message) { }
    public EtcdAuthenticationException() { }
}
