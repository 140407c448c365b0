namespace Conjur.EventSourced.Hosting.Tls;

/// <summary>
/// One certificate the cluster issues: who it names (its common name is the part's identity on every link:
/// Postgres maps it to a role, RabbitMQ takes it as the user, an agent checks it on its internal listener),
/// the names it serves under, and the folder and system user it belongs to.
/// </summary>
/// <param name="Name">The part, e.g. <c>agent-node1</c>: its files' name and, unless <paramref name="Cn"/> says otherwise, its common name.</param>
/// <param name="Dir">Where the certificate, its key and a copy of the CA bundle live.</param>
/// <param name="Owner">The system user that reads the key (<c>postgres</c>, <c>rabbitmq</c>); null: the user the launcher runs as.</param>
/// <param name="Hosts">DNS names and IP addresses in the subject alternative names; empty for a client-only certificate.</param>
/// <param name="Cn">A common name shared by several parts (etcd's members are all <c>etcd-peer</c>, the one name its peer port admits).</param>
public sealed record CertificateSpec(string Name, string Dir, string? Owner, IReadOnlyList<string> Hosts, bool Server, bool Client, string? Cn = null)
{
    public string CommonName => Cn ?? Name;

    public string CertFile => Path.Combine(Dir, Name + ".crt");
    public string KeyFile => Path.Combine(Dir, Name + ".key");

    /// <summary>The CA certificates this part trusts (one, or two while the CA is being rotated).</summary>
    public string CaFile => Path.Combine(Dir, "ca.crt");
}
