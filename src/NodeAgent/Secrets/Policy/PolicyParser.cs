using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Conjur.EventSourced.NodeAgent.Secrets.Policy;

/// <summary>
/// Parses the subset of Conjur's policy YAML the API serves: a sequence of <c>!user</c>, <c>!host</c>,
/// <c>!group</c>, <c>!variable</c>, <c>!policy</c> (with <c>body</c>), <c>!grant</c> and <c>!permit</c>
/// records, as mappings (<c>id: ...</c>) or the short form (<c>- !variable db/password</c>).
/// Ids are relative to the policy being loaded (<c>app</c> in policy <c>prod</c> is <c>prod/app</c>;
/// a leading <c>/</c> makes one absolute); users outside the root policy are <c>alice@prod</c>, as in Conjur.
/// Anything outside the subset is refused with the line it is on.
/// </summary>
public static class PolicyParser
{
    public static readonly IReadOnlySet<string> Privileges = new HashSet<string>(StringComparer.Ordinal) { "read", "execute", "update" };

    private static readonly IReadOnlySet<string> DeclarationTags = new HashSet<string>(StringComparer.Ordinal) { "!user", "!host", "!group", "!variable", "!policy" };

    public static PolicyDocument Parse(string yaml, string account, string policyId)
    {
        // The event parser first: it reports every syntax error with its position, where the node model
        // can fail on some (an unclosed flow sequence) with no position at all.
        var last = Mark.Empty;
        try
        {
            var events = new Parser(new StringReader(yaml));
            while (events.MoveNext())
            {
                last = events.Current!.End;
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
            throw new PolicyException("malformed YAML", last.Line, last.Column);
        }
        var parser = new Walker(account);
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: "" or null })
        {
            return new PolicyDocument([], [], []);
        }
        if (stream.Documents.Count > 1)
        {
            var start = stream.Documents[1].RootNode.Start;
            throw new PolicyException("a policy is a single YAML document", start.Line, start.Column);
        }
        parser.Statements(stream.Documents[0].RootNode, policyId);
        return new PolicyDocument(parser.Declarations, parser.Grants, parser.Permits);
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();

    private sealed class Walker(string account)
    {
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
            if (tag.Length == 0)
            {
                throw Error(node, "a record needs a tag such as !user, !host, !group, !variable, !policy, !grant or !permit");
            }
            var owner = Ref(policy);
            switch (tag)
            {
                case "!grant":
                {
                    var map = Mapping(node, tag);
                    var roles = References(map, node, "role", "role", required: true);
                    var members = References(map, node, "member", "members", required: true);
                    Known(map, "role", "member", "members");
                    foreach (var role in roles)
                    {
                        foreach (var member in members)
                        {
                            Grants.Add(new(Resolve(role, policy), Resolve(member, policy), owner, node.Start.Line));
                        }
                    }
                    break;
                }
                case "!permit":
                {
                    var map = Mapping(node, tag);
                    var roles = References(map, node, "role", "role", required: true);
                    var resources = References(map, node, "resource", "resources", required: true);
                    var privileges = Strings(map, node, "privilege", "privileges");
                    Known(map, "role", "resource", "resources", "privilege", "privileges");
                    foreach (var (privilege, at) in privileges)
                    {
                        if (!PolicyParser.Privileges.Contains(privilege))
                        {
                            throw Error(at, $"unsupported privilege '{privilege}' (supported: read, execute, update)");
                        }
                    }
                    foreach (var role in roles)
                    {
                        foreach (var resource in resources)
                        {
                            foreach (var (privilege, _) in privileges)
                            {
                                Permits.Add(new(Resolve(role, policy), privilege, Resolve(resource, policy), owner, node.Start.Line));
                            }
                        }
                    }
                    break;
                }
                case var t when DeclarationTags.Contains(t):
                {
                    var kind = t[1..];
                    string id;
                    YamlNode? body = null;
                    if (node is YamlScalarNode scalar)
                    {
                        id = scalar.Value ?? "";
                    }
                    else
                    {
                        var map = Mapping(node, tag);
                        id = Scalar(map, node, "id");
                        body = map.Children.TryGetValue(new YamlScalarNode("body"), out var b) ? b : null;
                        if (body is not null && kind != "policy")
                        {
                            throw Error(body, $"only a !policy has a body");
                        }
                        Known(map, "id", "body", "annotations", "owner", "kind", "mime_type", "restricted_to");
                    }
                    if (string.IsNullOrWhiteSpace(id) || id.Contains(':', StringComparison.Ordinal) || id.Any(char.IsWhiteSpace))
                    {
                        throw Error(node, $"{tag} needs an id without spaces or ':' (found '{id}')");
                    }
                    var full = Qualify(kind, id, policy);
                    Declarations.Add(new(kind, $"{account}:{kind}:{full}", owner, node.Start.Line));
                    if (kind == "policy" && body is not null)
                    {
                        Statements(body, full);
                    }
                    break;
                }
                default:
                    throw Error(node, $"unknown tag {tag} (supported: !user, !host, !group, !variable, !policy, !grant, !permit)");
            }
        }

        private string Ref(string policy) => $"{account}:policy:{policy}";

        private static string Qualify(string kind, string id, string policy)
        {
            if (id.StartsWith('/'))
            {
                return id[1..];
            }
            if (policy == "root")
            {
                return id;
            }
            return kind == "user" ? $"{id}@{policy.Replace('/', '-')}" : $"{policy}/{id}";
        }

        private string Resolve((string Kind, string Id) reference, string policy) =>
            $"{account}:{reference.Kind}:{Qualify(reference.Kind, reference.Id, policy)}";

        private static YamlMappingNode Mapping(YamlNode node, string tag) =>
            node as YamlMappingNode ?? throw Error(node, $"{tag} needs a mapping of fields");

        private static void Known(YamlMappingNode map, params string[] fields)
        {
            foreach (var key in map.Children.Keys)
            {
                if (key is not YamlScalarNode { Value: { } name } || !fields.Contains(name))
                {
                    throw Error(key, $"unknown field '{(key as YamlScalarNode)?.Value}' (expected one of: {string.Join(", ", fields)})");
                }
            }
        }

        private static string Scalar(YamlMappingNode map, YamlNode node, string field) =>
            map.Children.TryGetValue(new YamlScalarNode(field), out var v) && v is YamlScalarNode { Value: { } s }
                ? s
                : throw Error(node, $"missing field '{field}'");

        private static List<(string Kind, string Id)> References(YamlMappingNode map, YamlNode node, string one, string many, bool required)
        {
            var found = new List<YamlNode>();
            foreach (var field in new[] { one, many }.Distinct())
            {
                if (map.Children.TryGetValue(new YamlScalarNode(field), out var v))
                {
                    if (v is YamlSequenceNode seq)
                    {
                        found.AddRange(seq.Children);
                    }
                    else
                    {
                        found.Add(v);
                    }
                }
            }
            if (required && found.Count == 0)
            {
                throw Error(node, $"missing field '{one}'");
            }
            return found.Select(r =>
            {
                var tag = r.Tag.IsEmpty ? "" : r.Tag.Value;
                if (r is not YamlScalarNode { Value: { Length: > 0 } id } || !DeclarationTags.Contains(tag) && tag is not "!layer")
                {
                    throw Error(r, "a reference is a tagged id, such as !host app or !variable db/password");
                }
                return (tag[1..], id);
            }).ToList();
        }

        private static List<(string Value, YamlNode At)> Strings(YamlMappingNode map, YamlNode node, string one, string many)
        {
            var found = new List<(string, YamlNode)>();
            foreach (var field in new[] { one, many })
            {
                if (!map.Children.TryGetValue(new YamlScalarNode(field), out var v))
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
