namespace Conjur.EventSourced.NodeAgent.Secrets.Policy;

/// <summary>What a policy declares, with every id resolved to <c>account:kind:id</c>.</summary>
public sealed record PolicyDocument(
    IReadOnlyList<PolicyDocument.Declaration> Declarations,
    IReadOnlyList<PolicyDocument.Grant> Grants,
    IReadOnlyList<PolicyDocument.Permit> Permits)
{
    public static readonly PolicyDocument Empty = new([], [], []);

    /// <summary>
    /// A role or resource, managed by the policy it is declared in (<paramref name="Policy"/>) and owned by
    /// <see cref="Owner"/>: that policy unless <c>owner:</c> named another role (<see cref="OwnerGiven"/>).
    /// </summary>
    public sealed record Declaration(string Kind, string Id, string Policy, long Line)
    {
        public string Owner { get; init; } = Policy;

        public bool OwnerGiven { get; init; }

        /// <summary>Annotations by name; a variable's <c>kind</c> and <c>mime_type</c> are <c>conjur/kind</c> and <c>conjur/mime_type</c>, as Conjur stores them.</summary>
        public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

        /// <summary>Networks (normalized CIDR) a user or host may authenticate from; empty: anywhere.</summary>
        public IReadOnlyList<string> RestrictedTo { get; init; } = [];

        public string Tag => $"!{Kind}";
    }

    /// <summary><paramref name="Member"/> becomes a member of <paramref name="Role"/>.</summary>
    public sealed record Grant(string Role, string Member, string Policy, long Line);

    public sealed record Permit(string Role, string Privilege, string Resource, string Policy, long Line);

    public static bool IsRole(string kind) => kind is "user" or "host" or "group" or "layer" or "policy";

    /// <summary>Roles that authenticate with an API key: created roles of these kinds get one.</summary>
    public static bool HasApiKey(string kind) => kind is "user" or "host";
}
