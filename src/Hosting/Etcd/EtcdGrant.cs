namespace Conjur.EventSourced.Hosting.Etcd;

/// <summary>A permission on one key, or on every key under a prefix.</summary>
public sealed record EtcdGrant(string Key, bool Prefix, bool Write)
{
    public static EtcdGrant ReadPrefix(string prefix) => new(prefix, Prefix: true, Write: false);

    public static EtcdGrant ReadWrite(string key) => new(key, Prefix: false, Write: true);

    public static EtcdGrant ReadWritePrefix(string prefix) => new(prefix, Prefix: true, Write: true);
}
