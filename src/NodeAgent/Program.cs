var b = WebApplication.CreateBuilder(args); var app = b.Build(); await app.RunAsync();
