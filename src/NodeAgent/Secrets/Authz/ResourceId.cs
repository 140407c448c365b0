namespace Conjur.EventSourced.NodeAgent.Secrets.Authz;

/// <summary>A Conjur id, <c>account:kind:identifier</c> (roles and resources alike).</summary>
public readonly record struct ResourceId(string Account, string Kind, string Id)
{
    public static readonly IReadOnlySet<string> Kinds = new HashSet<string>(StringComparer.Ordinal) { "user", "host", "group", "variable", "policy", "layer", "webservice" };

    public override string ToString() => $"{Account}:{Kind}:{Id}";

    public static bool TryParse(string? text, out ResourceId id)
    {
        id = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        var first = text.IndexOf(':', StringComparison.Ordinal);
        var second = first < 0 ? -1 : text.IndexOf(':', first + 1);
        if (first <= 0 || second <= first + 1 || second == text.Length - 1)
        {
            return false;
        }
        id = new ResourceId(text[..first], text[(first + 1)..second], text[(second + 1)..]);
        return Kinds.Contains(id.Kind);
    }

    /// <summary>The login a role authenticates with: <c>alice</c> for users, <c>host/app</c> for others.</summary>
    public string Login => Kind == "user" ? Id : $"{Kind}/{Id}";

    /// <summary>The role id for a login: <c>host/app</c> is a host, anything without a kind prefix a user.</summary>
    public static ResourceId FromLogin(string account, string login)
    {
        var slash = login.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && Kinds.Contains(login[..slash]))
        {
            return new ResourceId(account, login[..slash], login[(slash + 1)..]);
        }
        return new ResourceId(account, "user", login);
    }
}
