using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Conjur.EventSourced.Hosting.Postgres;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.NodeAgent.Secrets.Authz;
using Conjur.EventSourced.NodeAgent.Secrets.Crypto;
using Conjur.EventSourced.NodeAgent.Secrets.Policy;
using Npgsql;
using NpgsqlTypes;

namespace Conjur.EventSourced.NodeAgent.Secrets.Storage;

/// <summary>
/// The secrets API's reads and writes against this node's own Postgres (<c>policy</c> database): the
/// master's writable one, or a follower's read-only replica. Writes are only ever called on the master.
/// </summary>
public sealed class SecretsStore : IAsyncDisposable
{
    // The caller's roles: itself and, transitively, every role it was granted (groups, the policies it owns).
    private const string RolesCte = """
        WITH RECURSIVE r(id) AS (
            SELECT $1::text
            UNION SELECT m.role_id FROM secrets_memberships m JOIN r ON m.member_id = r.id)
        """;

    private readonly NpgsqlDataSource _db;
    private readonly DataCipher _cipher;
    private readonly ConcurrentDictionary<string, byte[]> _signingKeys = new(StringComparer.Ordinal);
    private volatile bool _schemaReady;

    public SecretsStore(ClusterConfig config, NodeConfig node, DataCipher cipher)
    {
        _cipher = cipher;
        // The secrets role on the local socket: no superuser, so no database login can read a file of this host.
        var cs = PostgresTools.LocalConnectionString(config, node, "policy", ClusterSecrets.SecretsDatabaseUser, timeoutSeconds: 3, pooling: true, applicationName: "secrets-api");
        _db = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(cs) { MaxPoolSize = 40, CommandTimeout = 10 }.ConnectionString).Build();
    }

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    /// <summary>Creates the tables if needed: on the master only (a replica is read-only).</summary>
    public async Task EnsureSchemaAsync(CancellationToken ct)
    {
        if (_schemaReady)
        {
            return;
        }
        await using var cmd = _db.CreateCommand(Schema.Sql);
        await cmd.ExecuteNonQueryAsync(ct);
        _schemaReady = true;
    }

    /// <summary>The account's token signing key, decrypted; cached (it never changes once made).</summary>
    public async Task<byte[]?> SigningKeyAsync(string account, CancellationToken ct)
    {
        if (_signingKeys.TryGetValue(account, out var key))
        {
            return key;
        }
        var sealedKey = await QueryOrMissingAsync(async () =>
        {
            await using var cmd = _db.CreateCommand("SELECT signing_key FROM secrets_accounts WHERE account = $1");
            cmd.Parameters.AddWithValue(account);
            return await cmd.ExecuteScalarAsync(ct) as byte[];
        });
        if (sealedKey is null)
        {
            return null;
        }
        key = _cipher.Open(sealedKey, DataCipher.SigningKeyBinding(account));
        _signingKeys[account] = key;
        return key;
    }

    /// <summary>A role's API key hash and the networks it may authenticate from; null when the role does not exist or has no API key.</summary>
    public Task<RoleCredentials?> CredentialsAsync(string roleId, CancellationToken ct) => QueryOrMissingAsync(async () =>
    {
        await using var cmd = _db.CreateCommand("SELECT api_key_hash, restricted_to FROM secrets_resources WHERE resource_id = $1 AND api_key_hash IS NOT NULL");
        cmd.Parameters.AddWithValue(roleId);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct)
            ? new RoleCredentials(await r.GetFieldValueAsync<byte[]>(0, ct), await r.GetFieldValueAsync<string[]>(1, ct))
            : null;
    });

    /// <summary>Creates an account, its signing key, its root policy and its admin user; returns the admin's API key.</summary>
    public async Task<string> CreateAccountAsync(string account, CancellationToken ct)
    {
        await EnsureSchemaAsync(ct);
        var apiKey = ApiKeys.Generate();
        var admin = $"{account}:user:admin";
        var root = $"{account}:policy:root";
        await using var conn = await _db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var cmd = new NpgsqlCommand("INSERT INTO secrets_accounts (account, signing_key) VALUES ($1, $2) ON CONFLICT DO NOTHING", conn, tx))
        {
            cmd.Parameters.AddWithValue(account);
            cmd.Parameters.AddWithValue(_cipher.Seal(RandomNumberGenerator.GetBytes(32), DataCipher.SigningKeyBinding(account)));
            if (await cmd.ExecuteNonQueryAsync(ct) == 0)
            {
                throw new AccountExistsException(account);
            }
        }
        await using (var cmd = new NpgsqlCommand("""
            INSERT INTO secrets_resources (resource_id, account, kind, owner_id, policy_id, api_key_hash) VALUES
                ($1, $3, 'user', $2, $1, $4),
                ($2, $3, 'policy', $1, $2, NULL)
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue(admin);
            cmd.Parameters.AddWithValue(root);
            cmd.Parameters.AddWithValue(account);
            cmd.Parameters.AddWithValue(ApiKeys.Hash(apiKey));
            await cmd.ExecuteNonQueryAsync(ct);
        }
        // The admin belongs to no policy (its own id stands in), so replacing the root policy never removes it or its ownership.
        await Exec(conn, tx, "INSERT INTO secrets_memberships (role_id, member_id, policy_id) VALUES ($1, $2, $2)", ct, root, admin);
        await tx.CommitAsync(ct);
        return apiKey;
    }

    /// <summary>Variables as <paramref name="roleId"/> sees them, with the latest version's (or <paramref name="version"/>'s) sealed value.</summary>
    public async Task<IReadOnlyList<VariableRead>> ReadVariablesAsync(string roleId, IReadOnlyList<string> resourceIds, int? version, CancellationToken ct)
    {
        var found = await QueryOrMissingAsync(async () =>
        {
            await using var cmd = _db.CreateCommand(RolesCte + """
                SELECT res.resource_id,
                       res.owner_id IN (SELECT id FROM r) AS owns,
                       ARRAY(SELECT DISTINCT p.privilege FROM secrets_permissions p WHERE p.resource_id = res.resource_id AND p.role_id IN (SELECT id FROM r)) AS privileges,
                       v.version, v.sealed, res.annotations->>'conjur/mime_type'
                FROM secrets_resources res
                LEFT JOIN LATERAL (SELECT version, sealed FROM secrets_values sv
                                   WHERE sv.resource_id = res.resource_id AND ($3::int IS NULL OR sv.version = $3)
                                   ORDER BY version DESC LIMIT 1) v ON true
                WHERE res.resource_id = ANY($2) AND res.kind = 'variable'
                """);
            cmd.Parameters.AddWithValue(roleId);
            cmd.Parameters.AddWithValue(resourceIds.ToArray());
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)version ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
            var rows = new Dictionary<string, VariableRead>(StringComparer.Ordinal);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var id = r.GetString(0);
                var owns = r.GetBoolean(1);
                var privileges = await r.GetFieldValueAsync<string[]>(2, ct);
                rows[id] = new VariableRead(id, true, owns || privileges.Length > 0, owns || privileges.Contains("execute"),
                    await r.IsDBNullAsync(3, ct) ? null : r.GetInt32(3), await r.IsDBNullAsync(4, ct) ? null : await r.GetFieldValueAsync<byte[]>(4, ct))
                {
                    MimeType = await r.IsDBNullAsync(5, ct) ? null : r.GetString(5),
                };
            }
            return rows;
        }) ?? [];
        return resourceIds.Select(id => found.TryGetValue(id, out var v) ? v : new VariableRead(id, false, false, false, null, null)).ToList();
    }

    /// <summary>Whether a resource exists, and the caller's privileges on it (all of them when it owns it).</summary>
    public async Task<(bool Exists, IReadOnlySet<string> Privileges)> PrivilegesAsync(string roleId, string resourceId, CancellationToken ct)
    {
        var result = await QueryOrMissingAsync(async () =>
        {
            await using var cmd = _db.CreateCommand(RolesCte + """
                SELECT res.owner_id IN (SELECT id FROM r),
                       ARRAY(SELECT DISTINCT p.privilege FROM secrets_permissions p WHERE p.resource_id = res.resource_id AND p.role_id IN (SELECT id FROM r))
                FROM secrets_resources res WHERE res.resource_id = $2
                """);
            cmd.Parameters.AddWithValue(roleId);
            cmd.Parameters.AddWithValue(resourceId);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            if (!await r.ReadAsync(ct))
            {
                return ((bool, IReadOnlySet<string>)?)null;
            }
            IReadOnlySet<string> privileges = r.GetBoolean(0)
                ? PolicyParser.Privileges.Append("create").ToHashSet(StringComparer.Ordinal)
                : (await r.GetFieldValueAsync<string[]>(1, ct)).ToHashSet(StringComparer.Ordinal);
            return (true, privileges);
        });
        return result ?? (false, new HashSet<string>());
    }

    /// <summary>Stores a new version (sealed by the caller), keeping the last <see cref="Schema.KeptVersions"/>; returns its number.</summary>
    public async Task<int> AddVersionAsync(string resourceId, byte[] plaintext, CancellationToken ct)
    {
        await EnsureSchemaAsync(ct);
        await using var conn = await _db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        int version;
        // Updates of one variable queue on its row: version numbers never collide.
        await using (var cmd = new NpgsqlCommand("""
            SELECT coalesce((SELECT max(version) FROM secrets_values WHERE resource_id = $1), 0) + 1
            FROM secrets_resources WHERE resource_id = $1 FOR UPDATE
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue(resourceId);
            version = (int)(await cmd.ExecuteScalarAsync(ct) ?? throw new InvalidOperationException($"{resourceId} vanished"));
        }
        await Exec(conn, tx, "INSERT INTO secrets_values (resource_id, version, sealed) VALUES ($1, $2, $3)", ct,
            resourceId, version, _cipher.Seal(plaintext, DataCipher.VariableBinding(resourceId, version)));
        await Exec(conn, tx, "DELETE FROM secrets_values WHERE resource_id = $1 AND version <= $2", ct, resourceId, version - Schema.KeptVersions);
        await tx.CommitAsync(ct);
        return version;
    }

    public byte[] Open(VariableRead v) => _cipher.Open(v.Sealed!, DataCipher.VariableBinding(v.ResourceId, v.Version!.Value));

    /// <summary>Resources of an account (of one kind) that the caller owns or holds a privilege on, as Conjur lists them.</summary>
    public async Task<IReadOnlyList<Dictionary<string, object?>>> VisibleResourcesAsync(string roleId, string account, string? kind, CancellationToken ct)
    {
        return await QueryOrMissingAsync(async () =>
        {
            await using var cmd = _db.CreateCommand(RolesCte + """
                SELECT res.resource_id, res.owner_id, res.policy_id, res.created_at,
                       coalesce((SELECT json_agg(json_build_object('privilege', p.privilege, 'role', p.role_id, 'policy', p.policy_id) ORDER BY p.role_id, p.privilege)
                                 FROM secrets_permissions p WHERE p.resource_id = res.resource_id), '[]')::text,
                       coalesce((SELECT json_agg(json_build_object('version', v.version, 'expires_at', NULL) ORDER BY v.version)
                                 FROM secrets_values v WHERE v.resource_id = res.resource_id), '[]')::text,
                       coalesce((SELECT json_agg(json_build_object('name', a.key, 'value', a.value, 'policy', res.policy_id) ORDER BY a.key)
                                 FROM jsonb_each_text(res.annotations) a), '[]')::text,
                       res.restricted_to
                FROM secrets_resources res
                WHERE res.account = $2 AND ($3::text IS NULL OR res.kind = $3)
                  AND (res.owner_id IN (SELECT id FROM r)
                       OR EXISTS (SELECT 1 FROM secrets_permissions p WHERE p.resource_id = res.resource_id AND p.role_id IN (SELECT id FROM r)))
                ORDER BY res.resource_id
                """);
            cmd.Parameters.AddWithValue(roleId);
            cmd.Parameters.AddWithValue(account);
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)kind ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            var list = new List<Dictionary<string, object?>>();
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var id = r.GetString(0);
                var item = new Dictionary<string, object?>
                {
                    ["created_at"] = await r.GetFieldValueAsync<DateTimeOffset>(3, ct),
                    ["id"] = id,
                    ["owner"] = r.GetString(1),
                    ["policy"] = r.GetString(2),
                    ["permissions"] = JsonDocument.Parse(r.GetString(4)).RootElement.Clone(),
                    ["annotations"] = JsonDocument.Parse(r.GetString(6)).RootElement.Clone(),
                };
                var kind = id.Split(':')[1];
                if (kind == "variable")
                {
                    item["secrets"] = JsonDocument.Parse(r.GetString(5)).RootElement.Clone();
                }
                if (kind is "user" or "host")
                {
                    item["restricted_to"] = await r.GetFieldValueAsync<string[]>(7, ct);
                }
                list.Add(item);
            }
            return list;
        }) ?? [];
    }

    /// <summary>
    /// Loads a parsed policy into policy <paramref name="policyId"/> with <paramref name="method"/>'s semantics
    /// (POST adds, PATCH also changes what it re-declares, PUT also deletes what P declared and no longer does);
    /// returns the new roles' API keys and the policy's version. The facts <see cref="PolicyAuthorization"/> judges
    /// are gathered inside the transaction, and a refusal (<see cref="PolicyRefusedException"/>) rolls it back.
    /// </summary>
    public async Task<(IReadOnlyList<(string Id, string ApiKey)> Created, int Version)> LoadPolicyAsync(
        string policyId, PolicyDocument doc, string method, string loadedBy, string yaml, CancellationToken ct)
    {
        await EnsureSchemaAsync(ct);
        var account = policyId.Split(':')[0];
        var replace = method == "PUT";
        await using var conn = await _db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // Loads of one account queue on its row, so what the decision reads stays true until this load commits
        // (two loads at different policies could otherwise both declare one record). One that waits longer than
        // LoadLockWait is answered 409, as Conjur answers a concurrent load, rather than held until a proxy gives up.
        await Exec(conn, tx, $"SET LOCAL lock_timeout = '{(int)LoadLockWait.TotalMilliseconds}ms'", ct);
        try
        {
            await Exec(conn, tx, "SELECT 1 FROM secrets_accounts WHERE account = $1 FOR UPDATE", ct, account);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            throw new PolicyConflictException(account);
        }
        await Exec(conn, tx, "SET LOCAL lock_timeout = 0", ct);
        var facts = await PolicyFactsAsync(conn, tx, policyId, doc, replace ? loadedBy : null, ct);
        if (PolicyAuthorization.Check(doc, policyId, method, facts) is { } refusal)
        {
            throw new PolicyRefusedException(refusal);
        }
        var declared = doc.Declarations.Select(d => d.Id).ToArray();
        if (replace)
        {
            // Whatever this policy declared before and no longer does goes, with its values, grants and permissions.
            var gone = new List<string>();
            await using (var cmd = new NpgsqlCommand("SELECT resource_id FROM secrets_resources WHERE policy_id = $1 AND resource_id <> $1 AND NOT (resource_id = ANY($2))", conn, tx))
            {
                cmd.Parameters.AddWithValue(policyId);
                cmd.Parameters.AddWithValue(declared);
                await using var r = await cmd.ExecuteReaderAsync(ct);
                while (await r.ReadAsync(ct))
                {
                    gone.Add(r.GetString(0));
                }
            }
            // As one parameter: a string[] passed alone to 'params object[]' would be taken as the parameter list itself.
            object goneIds = gone.ToArray();
            await Exec(conn, tx, "DELETE FROM secrets_values WHERE resource_id = ANY($1)", ct, goneIds);
            await Exec(conn, tx, "DELETE FROM secrets_permissions WHERE resource_id = ANY($1) OR role_id = ANY($1) OR policy_id = $2", ct, goneIds, policyId);
            await Exec(conn, tx, "DELETE FROM secrets_memberships WHERE role_id = ANY($1) OR member_id = ANY($1) OR policy_id = $2", ct, goneIds, policyId);
            await Exec(conn, tx, "DELETE FROM secrets_resources WHERE resource_id = ANY($1)", ct, goneIds);
        }
        var created = new List<(string, string)>();
        // Statements go in batches (one round trip each), so a load of thousands of records takes seconds, not minutes.
        foreach (var chunk in doc.Declarations.Chunk(BatchSize))
        {
            await using var batch = new NpgsqlBatch(conn, tx);
            var keys = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var d in chunk)
            {
                keys[d.Id] = PolicyDocument.HasApiKey(d.Kind) ? ApiKeys.Generate() : null;
                batch.BatchCommands.Add(DeclarationCommand(d, account, method, keys[d.Id]));
            }
            var rows = 0;
            await using (var r = await batch.ExecuteReaderAsync(ct))
            {
                do
                {
                    while (await r.ReadAsync(ct))
                    {
                        rows++;
                        if (r.GetBoolean(1) && keys[r.GetString(0)] is { } apiKey)
                        {
                            created.Add((r.GetString(0), apiKey));
                        }
                    }
                }
                while (await r.NextResultAsync(ct));
            }
            if (rows != chunk.Length)
            {
                throw new InvalidOperationException($"{chunk.Length - rows} declaration(s) of {policyId} hit a record of another policy although the account was locked");
            }
        }
        await ExecBatchAsync(conn, tx, "INSERT INTO secrets_memberships (role_id, member_id, policy_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            doc.Grants.Select(g => new object[] { g.Role, g.Member, g.Policy }), ct);
        await ExecBatchAsync(conn, tx, "INSERT INTO secrets_permissions (resource_id, privilege, role_id, policy_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            doc.Permits.Select(p => new object[] { p.Resource, p.Privilege, p.Role, p.Policy }), ct);
        int version;
        await using (var cmd = new NpgsqlCommand("""
            INSERT INTO secrets_policy_versions (policy_id, version, role_id, method, sha256)
            SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4 FROM secrets_policy_versions WHERE policy_id = $1
            RETURNING version
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue(policyId);
            cmd.Parameters.AddWithValue(loadedBy);
            cmd.Parameters.AddWithValue(method);
            cmd.Parameters.AddWithValue(Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(yaml))).ToLowerInvariant());
            version = (int)(await cmd.ExecuteScalarAsync(ct))!;
        }
        await tx.CommitAsync(ct);
        return (created, version);
    }

    /// <summary>
    /// The records <paramref name="doc"/> names that exist and the policies above them (up to the root), and, for a
    /// PUT by <paramref name="replacer"/>, how many records managed within the policy it lacks <c>update</c> on.
    /// </summary>
    private static async Task<PolicyFacts> PolicyFactsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string policyId, PolicyDocument doc, string? replacer, CancellationToken ct)
    {
        var named = doc.Declarations.SelectMany(d => new[] { d.Id, d.Owner, d.Policy })
            .Concat(doc.Grants.SelectMany(g => new[] { g.Role, g.Member }))
            .Concat(doc.Permits.SelectMany(p => new[] { p.Role, p.Resource }))
            .Append(policyId).Distinct(StringComparer.Ordinal).ToArray();
        var records = new Dictionary<string, ExistingRecord>(StringComparer.Ordinal);
        await using (var cmd = new NpgsqlCommand("""
            WITH RECURSIVE up(id) AS (
                SELECT resource_id FROM secrets_resources WHERE resource_id = ANY($1)
                UNION SELECT res.policy_id FROM secrets_resources res JOIN up ON res.resource_id = up.id)
            SELECT resource_id, owner_id, policy_id, annotations::text FROM secrets_resources WHERE resource_id IN (SELECT id FROM up)
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue(named);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                records[r.GetString(0)] = new ExistingRecord(r.GetString(0), r.GetString(1), r.GetString(2))
                {
                    Annotations = JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(3)) ?? [],
                };
            }
        }
        if (replacer is null)
        {
            return new PolicyFacts(records);
        }
        // Conjur's check before a replace: update on the policy and on everything within it.
        await using (var cmd = new NpgsqlCommand(RolesCte + """
            , sub(id) AS (
                SELECT $2::text
                UNION SELECT res.resource_id FROM secrets_resources res JOIN sub ON res.policy_id = sub.id WHERE res.kind = 'policy')
            SELECT count(*) FROM secrets_resources res
            WHERE res.policy_id IN (SELECT id FROM sub)
              AND res.owner_id NOT IN (SELECT id FROM r)
              AND NOT EXISTS (SELECT 1 FROM secrets_permissions p WHERE p.resource_id = res.resource_id AND p.privilege = 'update' AND p.role_id IN (SELECT id FROM r))
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue(replacer);
            cmd.Parameters.AddWithValue(policyId);
            return new PolicyFacts(records, (int)(long)(await cmd.ExecuteScalarAsync(ct))!);
        }
    }

    private const int BatchSize = 500;

    /// <summary>How long a policy load waits for another load of its account to finish.</summary>
    public static readonly TimeSpan LoadLockWait = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Inserts or updates one declared record; answers its id and whether it is new. A re-declared record (the decision
    /// made sure it is this policy's) keeps its API key. POST keeps its owner and restriction (adding networks) and adds
    /// annotations; PATCH sets owner and restriction, and adds or changes annotations; PUT sets all three to what is
    /// declared. As in Conjur, a role's owner is a member of it (the owner of a policy so owns what the policy holds, the
    /// owner of a host holds what was granted to it): a new owner's membership takes the old one's place.
    /// </summary>
    private static NpgsqlBatchCommand DeclarationCommand(PolicyDocument.Declaration d, string account, string method, string? apiKey)
    {
        var cmd = new NpgsqlBatchCommand("""
            WITH up AS (
                INSERT INTO secrets_resources (resource_id, account, kind, owner_id, policy_id, api_key_hash, annotations, restricted_to)
                VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)
                ON CONFLICT (resource_id) DO UPDATE SET
                    owner_id = CASE WHEN $9 THEN EXCLUDED.owner_id ELSE secrets_resources.owner_id END,
                    annotations = CASE WHEN $10 THEN EXCLUDED.annotations ELSE secrets_resources.annotations || EXCLUDED.annotations END,
                    restricted_to = CASE WHEN $9 THEN EXCLUDED.restricted_to
                                         ELSE ARRAY(SELECT DISTINCT unnest(secrets_resources.restricted_to || EXCLUDED.restricted_to)) END
                WHERE secrets_resources.policy_id = EXCLUDED.policy_id
                RETURNING resource_id, xmax = 0 AS inserted, owner_id, policy_id),
            replaced AS (
                DELETE FROM secrets_memberships m USING up
                WHERE $11 AND m.role_id = up.resource_id AND m.ownership AND m.member_id <> up.owner_id),
            owned AS (
                INSERT INTO secrets_memberships (role_id, member_id, policy_id, ownership)
                SELECT resource_id, owner_id, policy_id, true FROM up WHERE $11
                ON CONFLICT DO NOTHING)
            SELECT resource_id, inserted FROM up
            """);
        cmd.Parameters.AddWithValue(d.Id);
        cmd.Parameters.AddWithValue(account);
        cmd.Parameters.AddWithValue(d.Kind);
        cmd.Parameters.AddWithValue(d.Owner);
        cmd.Parameters.AddWithValue(d.Policy);
        cmd.Parameters.Add(new NpgsqlParameter { Value = apiKey is null ? DBNull.Value : ApiKeys.Hash(apiKey), NpgsqlDbType = NpgsqlDbType.Bytea });
        cmd.Parameters.AddWithValue(JsonSerializer.Serialize(d.Annotations));
        cmd.Parameters.Add(new NpgsqlParameter { Value = d.RestrictedTo.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.AddWithValue(method != "POST");
        cmd.Parameters.AddWithValue(method == "PUT");
        cmd.Parameters.AddWithValue(PolicyDocument.IsRole(d.Kind));
        return cmd;
    }

    /// <summary>Runs <paramref name="sql"/> once per argument list, <see cref="BatchSize"/> to a round trip.</summary>
    private static async Task ExecBatchAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, IEnumerable<object[]> argumentLists, CancellationToken ct)
    {
        foreach (var chunk in argumentLists.Chunk(BatchSize))
        {
            await using var batch = new NpgsqlBatch(conn, tx);
            foreach (var args in chunk)
            {
                var cmd = new NpgsqlBatchCommand(sql);
                foreach (var a in args)
                {
                    cmd.Parameters.AddWithValue(a);
                }
                batch.BatchCommands.Add(cmd);
            }
            await batch.ExecuteNonQueryAsync(ct);
        }
    }

    private static async Task Exec(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct, params object[] args)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        foreach (var a in args)
        {
            cmd.Parameters.AddWithValue(a);
        }
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>A replica that has not received the schema yet (no account was ever created) reads as empty.</summary>
    private static async Task<T?> QueryOrMissingAsync<T>(Func<Task<T?>> query)
    {
        try
        {
            return await query();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return default;
        }
    }
}
