namespace Conjur.EventSourced.NodeAgent.Secrets.Authz;

/// <summary>Why a policy load is refused: the statement (and its line; 0 for the request itself) and the reason.</summary>
public sealed record PolicyRefusal(PolicyRefusal.Kinds Kind, long Line, string Statement, string Reason)
{
    /// <summary><see cref="Forbidden"/> answers 403 (not permitted), <see cref="Invalid"/> 422 (<c>policy_invalid</c>).</summary>
    public enum Kinds
    {
        Forbidden,
        Invalid,
    }

    public string Message => Line > 0 ? $"line {Line}: {Statement}: {Reason}" : $"{Statement}: {Reason}";
}
