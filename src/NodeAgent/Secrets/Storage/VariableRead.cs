namespace Conjur.EventSourced.NodeAgent.Secrets.Storage;

/// <summary>One variable as the caller sees it: whether it exists, what the caller may do with it, and the sealed value asked for.</summary>
public sealed record VariableRead(string ResourceId, bool Exists, bool Visible, bool CanExecute, int? Version, byte[]? Sealed)
{
    /// <summary>The variable's <c>mime_type</c> (its <c>conjur/mime_type</c> annotation): the Content-Type a fetch answers with.</summary>
    public string? MimeType { get; init; }
}
