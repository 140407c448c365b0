using System.Net.Http.Headers;
using Conjur.EventSourced.NodeAgent.Secrets.Authz;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Conjur.EventSourced.NodeAgent.Secrets.Policy;

/// <summary>
/// Parses the subset of Conjur's policy YAML the API serves: a sequence of <c>!user</c>, <c>!host</c>,
/// <c>!group</c>, <c>!variable</c>, <c>!policy</c> (with <c>body</c>), <c>!grant</c> and <c>!permit</c>
/// records, as mappings (<c>id: ...</c>) or the short form (<c>- !variable db/password</c>).
/// Ids resolve as Conjur's resolver does: relative to the policy they are in (<c>app</c> in policy <c>prod</c>
/// is <c>prod/app</c>; users are <c>alice@prod</c>). A declared id, a grant's role and a permit's resource must
/// stay relative (they name what the policy itself manages); a grant's members, a permit's roles and owners may
/// be absolute (<c>/ops/ci</c>) or climb with <c>..</c>. Anything outside the subset, and anything over the
/// <see cref="SecretsLimits"/>, is refused with the line it is on; no field is accepted and ignored.
/// </summary>
public static class PolicyParser
{
    public static readonly IReadOnlySet<string> Privileges = new HashSet<string>(StringComparer.Ordinal) { "read", "execute", "update", "create" };

    private static readonly IReadOnlySet<string> DeclarationTags = new HashSet<string>(StringComparer.Ordinal) { "!user", "!host", "!group", "!variable", "!policy" };

    private static readonly IReadOnlySet<string> RoleTags = new HashSet<string>(StringComparer.Ordinal) { "!user", "!host", "!group", "!layer", "!policy" };

    public static PolicyDocument Parse(string yaml, string account, string policyId) => Parse(yaml, account, policyId, new SecretsLimits());

    public static PolicyDocument Parse(string yaml, string account, string policyId, SecretsLimits limits)
    {
        Scan(yaml, limits);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new PolicyException(FirstLine(e.InnerException?.Message ?? e.Message), e.Start.Line, e.Start.Column);
        }
        catch (InvalidOperationException)
        {
            throw new PolicyException("malformed YAML", 1, 1);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: "" or null })
        {
            return PolicyDocument.Empty;
        }
        if (stream.Documents.Count > 1)
        {
            var start = stream.Documents[1].RootNode.Start;
            throw new PolicyException("a policy is a single YAML document", start.Line, start.Column);
        }
        var walker = new Walker(account, limits);
        walker.Statements(stream.Documents[0].RootNode, policyId);
        return new PolicyDocument(walker.Declarations, walker.Grants, walker.Permits);
    }

    /// <summary>
    /// The event parser first, which works without recursion: it reports every syntax error with its position
    /// (the node model can fail on some, an unclosed flow sequence, with none), and it stops at the first alias
    /// or past the depth limit, before the node model (which recurses) and the walk (which would visit an
    /// aliased node again at every use) ever see the document.
    /// </summary>
    private static void Scan(string yaml, SecretsLimits limits)
    {
        var last = Mark.Empty;
        var depth = 0;
        try
        {
            var events = new Parser(new StringReader(yaml));
            while (events.MoveNext())
            {
                var current = events.Current!;
                last = current.End;
                switch (current)
                {
                    case AnchorAlias alias:
                        throw new PolicyException($"YAML aliases (*{alias.Value}) are not accepted: write each record out", current.Start.Line, current.Start.Column);
                    case SequenceStart or MappingStart when ++depth > limits.MaxYamlDepth:
                        throw new PolicyException(
                            $"YAML nested deeper than {limits.MaxYamlDepth} levels, the limit set by {SecretsLimits.Name(nameof(SecretsLimits.MaxYamlDepth))}",
                            current.Start.Line, current.Start.Column);
                    case SequenceEnd or MappingEnd:
                        depth--;
                        break;
                }
            }
        }
        catch (YamlException e)
        {
            throw new PolicyException(FirstLine(e.InnerException?.Message ?? e.Message), e.Start.Line, e.Start.Column);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner gives up on some broken input (an unclosed '[' before a new key) without a
            // position: the error is after the last well-formed part.
            throw new PolicyException("malformed YAML after this point", last.Line, last.Column);
        }
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();

    private sealed class Walker(string account, SecretsLimits limits)
    {
        private readonly Dictionary<string, long> _declared = new(StringComparer.Ordinal);
        private int _records;

        public List<PolicyDocument.Declaration> Declarations { get; } = [];
        public List<PolicyDocument.Grant> Grants { get; } = [];
        public List<PolicyDocument.Permit> Permits { get; } = [];

        public void Statements(YamlNode node, string policy)
        {
            if (node is not YamlSequenceNode seq)
            {
                throw Error(node, "a policy must be a sequence of records (- !user ..., - !permit ...)");
            }
            foreach (var item in seq.Children)
            {
                Statement(item, policy);
            }
        }

        private void Statement(YamlNode node, string policy)
        {
            var tag = node.Tag.IsEmpty ? "" : node.Tag.Value;
            switch (tag)
            {
                case "":
                    throw Error(node, "a record needs a tag such as !user, !host, !group, !variable, !policy, !grant or !permit");
                case "!grant":
                    GrantStatement(Mapping(node, tag), node, policy);
                    break;
                case "!permit":
                    PermitStatement(Mapping(node, tag), node, policy);
                    break;
                case var t when DeclarationTags.Contains(t):
                    DeclarationStatement(node, t[1..], policy);
                    break;
                default:
                    throw Error(node, $"unknown tag {tag} (supported: !user, !host, !group, !variable, !policy, !grant, !permit)");
            }
        }

        private void GrantStatement(YamlMappingNode map, YamlNode node, string policy)
        {
            Known(map, "!grant", "role", "member", "members");
            var roles = References(map, node, "role", "role", RoleTags).Select(r => Subject(r.Kind, r.Id, policy, r.At, "a !grant's role")).ToList();
            var members = References(map, node, "member", "members", RoleTags).Select(r => Reference(r.Kind, r.Id, policy, r.At, "a !grant's member")).ToList();
            foreach (var role in roles)
            {
                foreach (var member in members)
                {
                    Count(node);
                    Grants.Add(new(role, member, PolicyRef(policy), node.Start.Line));
                }
            }
        }

        private void PermitStatement(YamlMappingNode map, YamlNode node, string policy)
        {
            Known(map, "!permit", "role", "resource", "resources", "privilege", "privileges");
            var roles = References(map, node, "role", "role", RoleTags).Select(r => Reference(r.Kind, r.Id, policy, r.At, "a !permit's role")).ToList();
            var resources = References(map, node, "resource", "resources", DeclarationTags).Select(r => Subject(r.Kind, r.Id, policy, r.At, "a !permit's resource")).ToList();
            var privileges = Strings(map, node, "privilege", "privileges");
            foreach (var (privilege, at) in privileges)
            {
                if (!PolicyParser.Privileges.Contains(privilege))
                {
                    throw Error(at, $"unsupported privilege '{privilege}' (supported: {string.Join(", ", PolicyParser.Privileges)})");
                }
            }
            foreach (var role in roles)
            {
                foreach (var resource in resources)
                {
                    foreach (var (privilege, _) in privileges)
                    {
                        Count(node);
                        Permits.Add(new(role, privilege, resource, PolicyRef(policy), node.Start.Line));
                    }
                }
            }
        }

        private void DeclarationStatement(YamlNode node, string kind, string policy)
        {
            var tag = $"!{kind}";
            string id;
            YamlMappingNode? map = null;
            if (node is YamlScalarNode scalar)
            {
                id = scalar.Value ?? "";
            }
            else
            {
                map = Mapping(node, tag);
                Known(map, tag, kind switch
                {
                    "policy" => ["id", "owner", "annotations", "body"],
                    "variable" => ["id", "owner", "annotations", "kind", "mime_type"],
                    "user" or "host" => ["id", "owner", "annotations", "restricted_to"],
                    _ => ["id", "owner", "annotations"],
                });
                id = Scalar(map, node, "id");
            }
            if (string.IsNullOrWhiteSpace(id) || id.Contains(':', StringComparison.Ordinal) || id.Any(char.IsWhiteSpace))
            {
                throw Error(node, $"{tag} needs an id without spaces or ':' (found '{id}')");
            }
            var path = Join(policy, id);
            var full = Subject(kind, id, policy, node, $"{tag}'s id");
            Count(node);
            if (!_declared.TryAdd(full, node.Start.Line))
            {
                throw Error(node, $"{full} is declared more than once (first on line {_declared[full]})");
            }
            var declaration = new PolicyDocument.Declaration(kind, full, PolicyRef(policy), node.Start.Line);
            if (map is not null)
            {
                declaration = Fields(declaration, map, policy);
            }
            Declarations.Add(declaration);
            if (map is not null && map.Children.TryGetValue(new YamlScalarNode("body"), out var body))
            {
                Statements(body, path);
            }
        }

        /// <summary><c>owner</c>, <c>annotations</c>, a variable's <c>kind</c> and <c>mime_type</c>, a user's or host's <c>restricted_to</c>.</summary>
        private PolicyDocument.Declaration Fields(PolicyDocument.Declaration d, YamlMappingNode map, string policy)
        {
            var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
            if (Field(map, "annotations") is { } given)
            {
                if (given is not YamlMappingNode pairs)
                {
                    throw Error(given, "annotations is a mapping of names to values");
                }
                foreach (var (key, value) in pairs.Children)
                {
                    if (key is not YamlScalarNode { Value: { Length: > 0 } name } || value is not YamlScalarNode { Value: { } text })
                    {
                        throw Error(key, "each annotation is a name and a single value (name: value)");
                    }
                    annotations[name] = text;
                }
            }
            // Conjur stores a variable's kind and mime_type as these annotations; one written out wins.
            foreach (var (field, annotation) in new[] { ("kind", "conjur/kind"), ("mime_type", "conjur/mime_type") })
            {
                if (Field(map, field) is { } value)
                {
                    var text = value is YamlScalarNode { Value: { Length: > 0 } s } ? s : throw Error(value, $"'{field}' is a single value");
                    if (field == "mime_type" && (!MediaTypeHeaderValue.TryParse(text, out _) || text.Any(char.IsControl)))
                    {
                        throw Error(value, $"mime_type '{text}' is not a media type such as text/plain");
                    }
                    annotations.TryAdd(annotation, text);
                }
            }
            var owner = d.Owner;
            if (Field(map, "owner") is { } ownerNode)
            {
                var (kind, id, at) = ReferenceNode(ownerNode, RoleTags, "an owner is a role, such as !group admins or !user /alice");
                owner = Reference(kind, id, policy, at, "the owner");
            }
            var restrictedTo = new List<string>();
            if (Field(map, "restricted_to") is { } restriction)
            {
                foreach (var item in restriction is YamlSequenceNode list ? list.Children : [restriction])
                {
                    var text = item is YamlScalarNode { Value: { Length: > 0 } s } ? s : throw Error(item, "restricted_to holds IP addresses or CIDR ranges");
                    restrictedTo.Add(OriginRestriction.Normalize(text, out var error) ?? throw Error(item, $"restricted_to: {error}"));
                }
            }
            return d with
            {
                Owner = owner,
                OwnerGiven = Field(map, "owner") is not null,
                Annotations = annotations,
                RestrictedTo = restrictedTo.Distinct(StringComparer.Ordinal).ToList(),
            };
        }

        private void Count(YamlNode at)
        {
            if (++_records > limits.MaxPolicyStatements)
            {
                throw Error(at, $"the policy makes more than {limits.MaxPolicyStatements} records (declarations, and grants and permits with their lists multiplied out), "
                    + $"the limit set by {SecretsLimits.Name(nameof(SecretsLimits.MaxPolicyStatements))}");
            }
        }

        private string PolicyRef(string policy) => $"{account}:policy:{policy}";

        private static string Join(string policy, string id) => policy == "root" ? id : $"{policy}/{id}";

        /// <summary>A declared id, a grant's role or a permit's resource: what the policy itself manages, so relative to it (Conjur refuses "illegal absolute id").</summary>
        private string Subject(string kind, string id, string policy, YamlNode at, string what)
        {
            if (id.StartsWith('/'))
            {
                throw Error(at, $"{what} '{id}' is absolute: only a grant's members, a permit's roles and owners may be; this id is relative to the policy it is in");
            }
            if (id.Split('/').Contains(".."))
            {
                throw Error(at, $"{what} '{id}' climbs with '..': only a grant's members, a permit's roles and owners may");
            }
            return Full(kind, Join(policy, id), at);
        }

        /// <summary>A grant's member, a permit's role or an owner: may be absolute (<c>/ops/ci</c>) or climb with <c>..</c>, resolved as Conjur's resolver does.</summary>
        private string Reference(string kind, string id, string policy, YamlNode at, string what)
        {
            var tokens = new List<string>();
            foreach (var token in (id.StartsWith('/') ? id[1..] : Join(policy, id)).Split('/'))
            {
                if (token != "..")
                {
                    tokens.Add(token);
                }
                else if (tokens.Count > 0)
                {
                    tokens.RemoveAt(tokens.Count - 1);
                }
                else
                {
                    throw Error(at, $"{what} '{id}' climbs above the root policy");
                }
            }
            return Full(kind, string.Join('/', tokens), at);
        }

        /// <summary>The full id; a user's is <c>alice@prod-db</c> for <c>prod/db/alice</c>, as in Conjur.</summary>
        private string Full(string kind, string path, YamlNode at)
        {
            if (path.Length == 0)
            {
                throw Error(at, $"a {kind} needs an id");
            }
            if (kind == "user" && path.LastIndexOf('/') is var slash and > 0)
            {
                path = $"{path[(slash + 1)..]}@{path[..slash].Replace('/', '-')}";
            }
            var full = $"{account}:{kind}:{path}";
            if (full.Length > limits.MaxIdLength)
            {
                throw Error(at, $"the id {full[..Math.Min(full.Length, 64)]}... is {full.Length} characters, over {limits.MaxIdLength}, "
                    + $"the limit set by {SecretsLimits.Name(nameof(SecretsLimits.MaxIdLength))}");
            }
            return full;
        }

        private static YamlMappingNode Mapping(YamlNode node, string tag) =>
            node as YamlMappingNode ?? throw Error(node, $"{tag} needs a mapping of fields");

        private static YamlNode? Field(YamlMappingNode map, string name) =>
            map.Children.TryGetValue(new YamlScalarNode(name), out var value) ? value : null;

        private static void Known(YamlMappingNode map, string tag, params string[] fields)
        {
            foreach (var key in map.Children.Keys)
            {
                if (key is not YamlScalarNode { Value: { } name } || !fields.Contains(name))
                {
                    throw Error(key, $"unknown field '{(key as YamlScalarNode)?.Value}' for {tag} (expected one of: {string.Join(", ", fields)})");
                }
            }
        }

        private static string Scalar(YamlMappingNode map, YamlNode node, string field) =>
            Field(map, field) is YamlScalarNode { Value: { } s } ? s : throw Error(node, $"missing field '{field}'");

        private static List<(string Kind, string Id, YamlNode At)> References(YamlMappingNode map, YamlNode node, string one, string many, IReadOnlySet<string> tags)
        {
            var found = new List<YamlNode>();
            foreach (var field in new[] { one, many }.Distinct())
            {
                if (Field(map, field) is { } v)
                {
                    found.AddRange(v is YamlSequenceNode seq ? seq.Children : [v]);
                }
            }
            if (found.Count == 0)
            {
                throw Error(node, $"missing field '{one}'");
            }
            var expected = $"a {one} is a tagged id such as {(tags.Contains("!variable") ? "!variable db/password" : "!host app or !group admins")}";
            return found.Select(r => ReferenceNode(r, tags, expected)).ToList();
        }

        private static (string Kind, string Id, YamlNode At) ReferenceNode(YamlNode r, IReadOnlySet<string> tags, string expected)
        {
            var tag = r.Tag.IsEmpty ? "" : r.Tag.Value;
            return r is YamlScalarNode { Value: { Length: > 0 } id } && tags.Contains(tag) ? (tag[1..], id, r) : throw Error(r, expected);
        }

        private static List<(string Value, YamlNode At)> Strings(YamlMappingNode map, YamlNode node, string one, string many)
        {
            var found = new List<(string, YamlNode)>();
            foreach (var field in new[] { one, many })
            {
                if (Field(map, field) is not { } v)
                {
                    continue;
                }
                foreach (var item in v is YamlSequenceNode seq ? seq.Children : [v])
                {
                    found.Add(item is YamlScalarNode { Value: { Length: > 0 } s } ? (s, item) : throw Error(item, $"'{field}' holds names such as read, execute, update"));
                }
            }
            return found.Count > 0 ? found : throw Error(node, $"missing field '{many}'");
        }

        private static PolicyException Error(YamlNode at, string message) => new(message, at.Start.Line, at.Start.Column);
    }
}
