namespace Conjur.EventSourced.NodeAgent.Secrets.Storage;

/// <summary>What authentication checks of a role: its API key's hash and the networks (normalized CIDR) it may authenticate from (empty: anywhere).</summary>
public sealed record RoleCredentials(byte[] ApiKeyHash, IReadOnlyList<string> RestrictedTo);
