namespace Conjur.EventSourced.NodeAgent.Trust;

/// <summary>The outcome of checking a signature: the node that signed, or the reason it is refused.</summary>
public sealed record SignatureCheck(string? Node, string? Problem)
{
    public static SignatureCheck By(string node) => new(node, null);

    public static SignatureCheck Refused(string problem) => new(null, problem);
}
