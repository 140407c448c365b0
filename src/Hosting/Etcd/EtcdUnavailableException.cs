namespace Conjur.EventSourced.Hosting.Etcd;

/// <summary>No etcd endpoint answered in time: an expected failure an HA loop handles apart from bugs.</summary>
public sealed class EtcdUnavailableException : Exception
{
    public EtcdUnavailableException(string message, Exception? inner) : base(message, inner) { }
    public EtcdUnavailableException(string message) : base(message) { }
    public EtcdUnavailableException() { }
}
