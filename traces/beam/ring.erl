%% ring.erl: a token ring: the root spawns P members, member i passes the token to i+1 mod P,
%% for R rounds. main([P, R]), default 50 members, 20 rounds.
-module(ring).
-export([main/1]).

main([]) -> main(["50", "20"]);
main([P, R | _]) -> run(list_to_integer(P), list_to_integer(R)).

run(P, R) ->
    Self = self(),
    First = lists:foldl(fun(_, Next) -> spawn(fun() -> member(Next, Self) end) end, Self,
                        lists:seq(1, P - 1)),
    First ! {token, P * R - 1},
    loop(First).

%% The root is member 0: it forwards like the others until the count runs out, then stops
%% every member by passing stop round the ring.
loop(First) ->
    receive
        {token, 0} -> First ! stop, receive stop -> ok end;
        {token, N} -> First ! {token, N - 1}, loop(First)
    end.

member(Next, Root) ->
    receive
        {token, 0} -> Next ! {token, 0}, member(Next, Root);
        {token, N} -> burn(200), Next ! {token, N - 1}, member(Next, Root);
        stop -> Next ! stop
    end.

burn(0) -> ok;
burn(K) -> _ = erlang:phash2(K), burn(K - 1).
