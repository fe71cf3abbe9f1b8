%% fib.erl: fork-join Fibonacci: every call a process, results joined by messages
%% (2*F(N+1)-1 processes). main([N]) computes fib(N), default 15.
-module(fib).
-export([main/1]).

main([]) -> main(["15"]);
main([N | _]) -> fib(list_to_integer(N)).

fib(N) when N < 2 -> N;
fib(N) ->
    Self = self(),
    spawn(fun() -> Self ! {self(), fib(N - 1)} end),
    spawn(fun() -> Self ! {self(), fib(N - 2)} end),
    receive {_, A} -> receive {_, B} -> A + B end end.
