namespace Conjur.EventSourced.NodeAgent.Secrets.Storage;

/// <summary>One variable as the caller sees it: whether it exists, what the caller may do with it, and the sealed value asked for.</summary>
public sealed record VariableRead(string ResourceId, bool Exists, bool Visible, bool CanExecute, int? Version, byte[]? Sealed);
