"""The approval chain: walking an alert along its route, asking each step, reading the answers."""



