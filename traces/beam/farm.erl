%% farm.erl: an uneven task farm: the root spawns W workers; worker i does work proportional
%% to (i mod 7 + 1)^2 (a few long tasks, many short ones) and sends its result back; the root
%% sums them. main([W, Unit]), default 40 workers, 2000 units.
-module(farm).
-export([main/1]).

main([]) -> main(["40", "2000"]);
main([W, U | _]) -> run(list_to_integer(W), list_to_integer(U)).

run(W, U) ->
    Self = self(),
    [spawn(fun() -> K = (I rem 7 + 1), Self ! {done, burn(K * K * U, 0)} end)
     || I <- lists:seq(1, W)],
    lists:sum([receive {done, X} -> X end || _ <- lists:seq(1, W)]).

burn(0, Acc) -> Acc;
burn(K, Acc) -> burn(K - 1, (Acc + erlang:phash2(K)) rem 1000003).
