using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.ControlPlane.Access;

/// <summary>One credential as the control plane holds it: its name, role, file and the SHA-256 of its token (never the token).</summary>
public sealed record ApiCredential(string Name, ApiRole Role, string File, byte[] Hash)
{
    public string RoleName => Role == ApiRole.Operator ? "operator" : "viewer";
}
