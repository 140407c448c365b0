using Conjur.EventSourced.NodeAgent.Secrets;
using Conjur.EventSourced.NodeAgent.Secrets.Policy;

namespace Conjur.EventSourced.Tests.Unit.Secrets;

public sealed class PolicyParserTests
{
    [Fact]
    public void HostVariableAndPermit_ResolvedToFullIds()
    {
        var doc = PolicyParser.Parse("""
            - !host app
            - !variable
              id: db/password
            - !group readers
            - !grant
              role: !group readers
              members: [ !host app ]
            - !permit
              role: !host app
              privileges: [ read, execute ]
              resource: !variable db/password
            """, "acme", "root");

        doc.Declarations.Select(d => d.Id).ShouldBe(["acme:host:app", "acme:variable:db/password", "acme:group:readers"]);
        doc.Declarations.ShouldAllBe(d => d.Policy == "acme:policy:root");
        doc.Grants.ShouldHaveSingleItem().ShouldBe(new PolicyDocument.Grant("acme:group:readers", "acme:host:app", "acme:policy:root", 5));
        doc.Permits.Select(p => (p.Role, p.Privilege, p.Resource)).ShouldBe([
            ("acme:host:app", "read", "acme:variable:db/password"),
            ("acme:host:app", "execute", "acme:variable:db/password"),
        ]);
    }

    [Fact]
    public void NestedPolicy_PrefixesIdsAndNamesUsersAtThePolicy()
    {
        var doc = PolicyParser.Parse("""
            - !policy
              id: prod
              body:
                - !user alice
                - !variable key
                - !permit
                  role: !user alice
                  privilege: execute
                  resource: !variable key
            """, "acme", "root");

        doc.Declarations.Select(d => (d.Id, d.Policy)).ShouldBe([
            ("acme:policy:prod", "acme:policy:root"),
            ("acme:user:alice@prod", "acme:policy:prod"),
            ("acme:variable:prod/key", "acme:policy:prod"),
        ]);
        doc.Permits.ShouldHaveSingleItem().Role.ShouldBe("acme:user:alice@prod");
    }

    [Fact]
    public void UnknownTag_RefusedNamingItsLine()
    {
        var e = Should.Throw<PolicyException>(() => PolicyParser.Parse("- !host a\n- !variable b\n- !hots c\n", "acme", "root"));

        e.Line.ShouldBe(3);
        e.Message.ShouldContain("line 3");
        e.Message.ShouldContain("!hots");
    }

    [Fact]
    public void BrokenYaml_RefusedNamingItsLine()
    {
        var e = Should.Throw<PolicyException>(() => PolicyParser.Parse("- !host a\n- !permit\n  role: [ !host a\n  resource: x\n", "acme", "root"));

        e.Line.ShouldBeGreaterThanOrEqualTo(3);
        e.Message.ShouldStartWith($"line {e.Line}");
    }

    [Theory]
    [InlineData("- !permit\n  role: !host a\n  privileges: [ delete ]\n  resource: !variable v\n", 3)]
    [InlineData("- !permit\n  role: !host a\n  privileges: [ read ]\n", 1)]
    [InlineData("- !grant\n  role: group-without-tag\n  member: !host a\n", 2)]
    [InlineData("- !variable\n  id: v\n  colour: red\n", 3)]
    [InlineData("app: !host a\n", 1)]
    public void OutsideTheSubset_RefusedNamingTheLine(string yaml, int line)
    {
        Should.Throw<PolicyException>(() => PolicyParser.Parse(yaml, "acme", "root")).Line.ShouldBe(line);
    }

    [Fact]
    public void OwnerAnnotationsKindAndMimeType_Kept()
    {
        var d = PolicyParser.Parse("""
            - !variable
              id: db/password
              owner: !group /ops/admins
              kind: password
              mime_type: text/plain
              annotations:
                team: payments
            """, "acme", "prod").Declarations.Single();

        d.Owner.ShouldBe("acme:group:ops/admins");
        d.OwnerGiven.ShouldBeTrue();
        d.Annotations.ShouldBe(new Dictionary<string, string> { ["conjur/kind"] = "password", ["conjur/mime_type"] = "text/plain", ["team"] = "payments" }, ignoreOrder: true);
    }

    [Fact]
    public void NoOwner_OwnedByThePolicyItIsIn()
    {
        var d = PolicyParser.Parse("- !host app\n", "acme", "prod").Declarations.Single();

        (d.Owner, d.OwnerGiven).ShouldBe(("acme:policy:prod", false));
    }

    [Fact]
    public void RestrictedTo_NormalizedAsConjurStoresIt() =>
        PolicyParser.Parse("- !host {id: a, restricted_to: [ 10.0.0.0/8, 127.0.0.1, \"::1\" ]}\n", "acme", "root").Declarations.Single().RestrictedTo
            .ShouldBe(["10.0.0.0/8", "127.0.0.1/32", "::1/128"]);

    [Fact]
    public void RestrictedToWithBitsRightOfTheMask_RefusedSayingWhatWasMeant() =>
        Should.Throw<PolicyException>(() => PolicyParser.Parse("- !host {id: a, restricted_to: 10.0.0.1/8}\n", "acme", "root")).Message.ShouldContain("did you mean '10.0.0.0/8'");

    [Theory]
    [InlineData("- !variable {id: v, restricted_to: 10.0.0.0/8}\n", "restricted_to")]
    [InlineData("- !host {id: h, kind: password}\n", "kind")]
    [InlineData("- !group {id: g, mime_type: text/plain}\n", "mime_type")]
    [InlineData("- !variable {id: v, mime_type: not a type}\n", "mime_type")]
    [InlineData("- !variable {id: v, annotations: [ a ]}\n", "annotations")]
    [InlineData("- !variable {id: v, owner: !variable other}\n", "owner")]
    public void FieldThatDoesNotApply_RefusedNamingIt(string yaml, string field) =>
        Should.Throw<PolicyException>(() => PolicyParser.Parse(yaml, "acme", "root")).Message.ShouldContain(field);

    [Theory]
    [InlineData("- !variable /elsewhere\n")]
    [InlineData("- !grant {role: !policy /root, member: !host ci}\n")]
    [InlineData("- !permit {role: !host ci, privilege: read, resource: !variable /root-secret}\n")]
    [InlineData("- !grant {role: !group ../admins, member: !host ci}\n")]
    public void WhatThePolicyManages_MustBeRelative(string yaml) =>
        Should.Throw<PolicyException>(() => PolicyParser.Parse(yaml, "acme", "apps")).Line.ShouldBe(1);

    [Fact]
    public void MembersPermitRolesAndOwners_MayBeAbsoluteOrClimb()
    {
        var doc = PolicyParser.Parse("""
            - !group readers
            - !grant {role: !group readers, members: [ !host /ci, !host ../deployer, !user ../../alice ]}
            - !permit {role: !group ../auditors, privilege: read, resource: !group readers}
            """, "acme", "prod/db");

        doc.Grants.Select(g => g.Member).ShouldBe(["acme:host:ci", "acme:host:prod/deployer", "acme:user:alice"]);
        doc.Permits.Single().Role.ShouldBe("acme:group:prod/auditors");
    }

    [Fact]
    public void ClimbingAboveTheRoot_Refused() =>
        Should.Throw<PolicyException>(() => PolicyParser.Parse("- !group g\n- !grant {role: !group g, member: !host ../../x}\n", "acme", "apps")).Line.ShouldBe(2);

    [Fact]
    public void UserInAPath_NamedAtItsPolicyAsConjurDoes() =>
        PolicyParser.Parse("- !user team/alice\n", "acme", "prod").Declarations.Single().Id.ShouldBe("acme:user:alice@prod-team");

    [Fact]
    public void RecordDeclaredTwice_Refused() =>
        Should.Throw<PolicyException>(() => PolicyParser.Parse("- !host a\n- !variable v\n- !host a\n", "acme", "root")).Message.ShouldContain("first on line 1");

    [Fact]
    public void CreatePrivilege_Accepted() =>
        PolicyParser.Parse("- !policy p\n- !permit {role: !host h, privilege: create, resource: !policy p}\n", "acme", "root").Permits.Single().Privilege.ShouldBe("create");

    [Theory]
    [InlineData(65)]
    [InlineData(10_000)]
    [InlineData(1_000_000)]
    public void NestingDeeperThanTheLimit_RefusedNamingItAtOnce(int depth)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var e = Should.Throw<PolicyException>(() => PolicyParser.Parse("- " + new string('[', depth) + new string(']', depth) + "\n", "acme", "root"));

        e.Message.ShouldContain("NodeAgent:Secrets:Limits:MaxYamlDepth");
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void NestingAtTheLimit_Parsed() =>
        PolicyParser.Parse("- !policy {id: p, body: [ !variable v ]}\n", "acme", "root", new SecretsLimits { MaxYamlDepth = 3 }).Declarations.Count.ShouldBe(2);

    [Fact]
    public void Alias_RefusedBeforeAnyWalk()
    {
        var bomb = new System.Text.StringBuilder("- &p0 !policy {id: lol0, body: [ !variable v ]}\n");
        for (var i = 1; i <= 9; i++)
        {
            bomb.Append(System.Globalization.CultureInfo.InvariantCulture, $"- &p{i} !policy {{id: lol{i}, body: [ {string.Join(", ", Enumerable.Repeat($"*p{i - 1}", 10))} ]}}\n");
        }

        var e = Should.Throw<PolicyException>(() => PolicyParser.Parse(bomb.ToString(), "acme", "root"));

        e.Message.ShouldContain("aliases");
        e.Line.ShouldBe(2);
    }

    [Fact]
    public void MoreRecordsThanTheLimit_Refused() =>
        Should.Throw<PolicyException>(() => PolicyParser.Parse("- !host a\n- !host b\n- !host c\n", "acme", "root", new SecretsLimits { MaxPolicyStatements = 2 }))
            .Message.ShouldContain("NodeAgent:Secrets:Limits:MaxPolicyStatements");

    [Fact]
    public void GrantMultipliedPastTheLimit_Refused() =>
        Should.Throw<PolicyException>(() => PolicyParser.Parse("- !grant {role: [ !group a, !group b ], members: [ !host x, !host y ]}\n", "acme", "root", new SecretsLimits { MaxPolicyStatements = 3 }))
            .Line.ShouldBe(1);

    [Fact]
    public void IdLongerThanTheLimit_Refused() =>
        Should.Throw<PolicyException>(() => PolicyParser.Parse($"- !variable {new string('x', 20)}\n", "acme", "root", new SecretsLimits { MaxIdLength = 30 }))
            .Message.ShouldContain("NodeAgent:Secrets:Limits:MaxIdLength");
}
