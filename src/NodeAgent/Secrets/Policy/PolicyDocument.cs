namespace Conjur.EventSourced.NodeAgent.Secrets.Policy;

/// <summary>What a policy declares, with every id resolved to <c>account:kind:id</c>.</summary>
public sealed record PolicyDocument(
    IReadOnlyList<PolicyDocument.Declaration> Declarations,
    IReadOnlyList<PolicyDocument.Grant> Grants,
    IReadOnlyList<PolicyDocument.Permit> Permits)
{
    /// <summary>A role or resource, owned by the policy it is declared in.</summary>
    public sealed record Declaration(string Kind, string Id, string Policy, long Line);

    /// <summary><paramref name="Member"/> becomes a member of <paramref name="Role"/>.</summary>
    public sealed record Grant(string Role, string Member, string Policy, long Line);

    public sealed record Permit(string Role, string Privilege, string Resource, string Policy, long Line);

    public static bool IsRole(string kind) => kind is "user" or "host" or "group" or "layer" or "policy";

    /// <summary>Roles that authenticate with an API key: created roles of these kinds get one.</summary>
    public static bool HasApiKey(string kind) => kind is "user" or "host";
}
