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
}
