using Conjur.EventSourced.NodeAgent.Secrets.Policy;
using static Conjur.EventSourced.NodeAgent.Secrets.Authz.PolicyRefusal.Kinds;

namespace Conjur.EventSourced.NodeAgent.Secrets.Authz;

/// <summary>
/// Whether a policy may be loaded at a target policy P, as Conjur decides it. A pure function of the parsed
/// document and the <see cref="PolicyFacts"/> the store gathered; the store carries out an allowed load.
/// <list type="bullet">
/// <item><c>POST</c> needs <c>create</c> on P, <c>PATCH</c> and <c>PUT</c> need <c>update</c> (an owner of P holds every
/// privilege on it); a <c>PUT</c>, which may delete anything P manages, also needs <c>update</c> on all of that.</item>
/// <item>A record is managed within P when the policy that declared it is P or a policy below P. A load creates and
/// changes only such records: a <c>!grant</c>'s role and a <c>!permit</c>'s resource must be managed within P (or
/// declared by the load). P itself is not: its role and the privileges on it are given by the policy above it.</item>
/// <item>Records from anywhere may be a grant's member, a permit's role or an owner: giving P's own roles and
/// privileges away is P's to decide. They must exist or be declared by the load.</item>
/// <item>A declaration of a record another policy declared is refused (Conjur skips it silently): 403 when that
/// policy is outside P, 422 when it is within (the record has one declaring policy).</item>
/// <item>A <c>POST</c> adds and never changes: re-declaring a record with another owner or another annotation value is
/// refused rather than ignored (<c>PATCH</c> and <c>PUT</c> change them).</item>
/// </list>
/// </summary>
public static class PolicyAuthorization
{
    /// <summary>The privilege on the target policy a load with <paramref name="method"/> needs.</summary>
    public static string RequiredPrivilege(string method) => method == "POST" ? "create" : "update";

    /// <summary>Whether a caller holding <paramref name="privileges"/> on <paramref name="target"/> may load into it with <paramref name="method"/>; null: it may.</summary>
    public static PolicyRefusal? MayLoad(string method, string target, IReadOnlySet<string> privileges) =>
        privileges.Contains(RequiredPrivilege(method))
            ? null
            : new(Forbidden, 0, method, $"loading a policy with {method} needs the '{RequiredPrivilege(method)}' privilege on {target}");

    /// <summary>The first refusal (by line) of loading <paramref name="doc"/> at <paramref name="target"/>; null: allowed.</summary>
    public static PolicyRefusal? Check(PolicyDocument doc, string target, string method, PolicyFacts facts) =>
        Refusals(doc, target, method, facts).OrderBy(r => r.Line).FirstOrDefault();

    private static IEnumerable<PolicyRefusal> Refusals(PolicyDocument doc, string target, string method, PolicyFacts facts)
    {
        var declared = doc.Declarations.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        bool Exists(string id) => declared.Contains(id) || facts.Records.ContainsKey(id);

        if (method == "PUT" && facts.LackingUpdate > 0)
        {
            yield return new(Forbidden, 0, "PUT", $"replacing {target} needs 'update' on everything it manages, and the caller lacks it on {facts.LackingUpdate} record(s)");
        }
        foreach (var d in doc.Declarations)
        {
            var statement = $"{d.Tag} {d.Id}";
            if (Declaration(d, target, method, facts) is { } reason)
            {
                yield return reason with { Statement = statement };
            }
            if (d.OwnerGiven && !Exists(d.Owner))
            {
                yield return new(Invalid, d.Line, statement, $"the owner {d.Owner} is not declared in this policy and does not exist");
            }
        }
        foreach (var g in doc.Grants)
        {
            if (Target(g.Role, g.Line, "!grant", "a !grant gives only roles", target, declared, facts) is { } refusal)
            {
                yield return refusal;
            }
            if (!Exists(g.Member))
            {
                yield return new(Invalid, g.Line, "!grant", $"the member {g.Member} is not declared in this policy and does not exist");
            }
        }
        foreach (var p in doc.Permits)
        {
            if (Target(p.Resource, p.Line, "!permit", "a !permit gives privileges only on resources", target, declared, facts) is { } refusal)
            {
                yield return refusal;
            }
            if (!Exists(p.Role))
            {
                yield return new(Invalid, p.Line, "!permit", $"the role {p.Role} is not declared in this policy and does not exist");
            }
        }
    }

    private static PolicyRefusal? Declaration(PolicyDocument.Declaration d, string target, string method, PolicyFacts facts)
    {
        if (d.Id == target)
        {
            return new(Invalid, d.Line, "", $"{target} is the policy being loaded: the policy above it declares it");
        }
        if (!facts.Records.TryGetValue(d.Id, out var existing))
        {
            return null;
        }
        if (existing.Policy != d.Policy)
        {
            return ManagedWithin(d.Id, target, facts)
                ? new(Invalid, d.Line, "", $"{d.Id} is already declared by {existing.Policy}: a record is declared by one policy only")
                : new(Forbidden, d.Line, "", $"{d.Id} already exists and is not managed within {target}: a policy may not declare a record another policy manages");
        }
        if (method != "POST")
        {
            return null;
        }
        if (d.OwnerGiven && existing.Owner != d.Owner)
        {
            return new(Invalid, d.Line, "", $"{d.Id} exists, owned by {existing.Owner}: POST adds records and does not change them (change its owner with PATCH or PUT)");
        }
        foreach (var (name, value) in d.Annotations)
        {
            if (existing.Annotations.TryGetValue(name, out var old) && old != value)
            {
                return new(Invalid, d.Line, "", $"{d.Id} has annotation '{name}' with another value: POST adds records and does not change them (change it with PATCH or PUT)");
            }
        }
        return null;
    }

    /// <summary>A grant's role or a permit's resource: declared by this load, or existing and managed within the target.</summary>
    private static PolicyRefusal? Target(string id, long line, string statement, string rule, string target, HashSet<string> declared, PolicyFacts facts)
    {
        if (id == target)
        {
            return new(Forbidden, line, statement, $"{target} is the policy being loaded: its role and the privileges on it are given by the policy above it");
        }
        if (declared.Contains(id))
        {
            return null;
        }
        if (!facts.Records.ContainsKey(id))
        {
            return new(Invalid, line, statement, $"{id} is not declared in this policy and does not exist");
        }
        return ManagedWithin(id, target, facts)
            ? null
            : new(Forbidden, line, statement, $"{id} is not managed within {target}: {rule} that the policy (or a policy below it) manages");
    }

    /// <summary>Whether the policy that declared <paramref name="id"/> is <paramref name="target"/> or below it, walking up the declaring policies.</summary>
    private static bool ManagedWithin(string id, string target, PolicyFacts facts)
    {
        if (id == target || !facts.Records.TryGetValue(id, out var record))
        {
            return false;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var policy = record.Policy; seen.Add(policy);)
        {
            if (policy == target)
            {
                return true;
            }
            if (!facts.Records.TryGetValue(policy, out var parent))
            {
                return false;
            }
            policy = parent.Policy;
        }
        return false;
    }
}
