<?php
// STAND-IN for Invoice Ninja's bootstrap/app.php: an application whose console kernel
// (Laravel's contract: bootstrap(), call(), output()) runs the stand-in's commands.
return new class {
    public function make(string $abstract): object
    {
        return new class {
            private string $output = '';

            public function bootstrap(): void
            {
            }

            public function call(string $command, array $parameters = []): int
            {
                $options = [];
                foreach ($parameters as $name => $value) {
                    $options[ltrim((string) $name, '-')] = $value;
                }
                $status = standin_run($command, $options);
                $this->output = "$command: $status\n";
                return $status;
            }

            public function output(): string
            {
                return $this->output;
            }
        };
    }
};
