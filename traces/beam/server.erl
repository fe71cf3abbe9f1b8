%% server.erl: clients calling a gen_server: the root starts the server, spawns C clients that
%% each make Q calls (each call does some work in the server), waits for them, stops the
%% server. main([C, Q]), default 8 clients, 50 calls each.
-module(server).
-behaviour(gen_server).
-export([main/1, init/1, handle_call/3, handle_cast/2]).

main([]) -> main(["8", "50"]);
main([C, Q | _]) -> run(list_to_integer(C), list_to_integer(Q)).

run(C, Q) ->
    {ok, Srv} = gen_server:start(?MODULE, 0, []),
    Self = self(),
    [spawn(fun() -> client(Srv, Q, I), Self ! done end) || I <- lists:seq(1, C)],
    [receive done -> ok end || _ <- lists:seq(1, C)],
    Total = gen_server:call(Srv, total),
    gen_server:stop(Srv),
    Total.

client(_, 0, _) -> ok;
client(Srv, Q, I) ->
    burn(300),
    {ok, _} = gen_server:call(Srv, {add, I}),
    client(Srv, Q - 1, I).

init(N) -> {ok, N}.

handle_call({add, I}, _From, N) -> burn(500), {reply, {ok, N + I}, N + I};
handle_call(total, _From, N) -> {reply, N, N}.

handle_cast(_, N) -> {noreply, N}.

burn(0) -> ok;
burn(K) -> _ = erlang:phash2(K), burn(K - 1).
