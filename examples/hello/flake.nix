{
  description = "A tiny example for publish-nix-artifact: no nixpkgs, builds in well under a second";

  outputs = { self }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAll = f: builtins.listToAttrs (map (system: { name = system; value = f system; }) systems);
      hello = system: derivation {
        name = "hello-binstore";
        inherit system;
        builder = "/bin/sh";
        PATH = "/bin:/usr/bin";
        args = [ "-c" ''
          mkdir -p $out/bin $out/share
          printf '#!/bin/sh\necho "hello from the binstore"\n' > $out/bin/hello
          chmod +x $out/bin/hello
          echo "published by publish-nix-artifact" > $out/share/README
        '' ];
      };
    in {
      packages = forAll (system: { default = hello system; hello = hello system; });
    };
}
